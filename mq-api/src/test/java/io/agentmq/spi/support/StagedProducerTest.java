package io.agentmq.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.Message;
import io.agentmq.api.crypto.KeyRing;
import io.agentmq.api.crypto.PayloadCipher;
import io.agentmq.api.crypto.PayloadEncryption;
import io.agentmq.spi.Settlement.Output;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The staged producer's derived output ids, with and without payload encryption. */
class StagedProducerTest {

  private static List<String> idsOfTwoSends(StagedProducer producer) {
    producer.send("orders.out", Message.ofText("first"));
    producer.send("orders.out", Message.ofText("second"));
    return producer.drain().stream().map(o -> o.message().id()).toList();
  }

  @Test
  @DisplayName("derives the same ids on every run of a handler, different per position and input")
  void derivedIdsAreStable() {
    List<String> firstRun = idsOfTwoSends(new StagedProducer(1 << 20, null, "m-1"));
    List<String> secondRun = idsOfTwoSends(new StagedProducer(1 << 20, null, "m-1"));
    List<String> otherInput = idsOfTwoSends(new StagedProducer(1 << 20, null, "m-2"));

    assertThat(secondRun).isEqualTo(firstRun);
    assertThat(firstRun).doesNotHaveDuplicates();
    assertThat(otherInput).doesNotContainAnyElementsOf(firstRun);
  }

  @Test
  @DisplayName("keeps the handler's ids when no input id is given")
  void keepsIdsWithoutInput() {
    StagedProducer producer = new StagedProducer(1 << 20, null, null);
    producer.send("orders.out", Message.builder(new byte[0]).id("chosen").build());
    assertThat(producer.drain()).extracting(o -> o.message().id()).containsExactly("chosen");
  }

  @Test
  @DisplayName(
      "seals a staged message after giving it its derived id, so the id it is opened with"
          + " is the one its tag covers")
  void sealsAfterTheIdIsDerived() {
    byte[] raw = new byte[KeyRing.KEY_BYTES];
    new SecureRandom().nextBytes(raw);
    PayloadCipher cipher =
        new PayloadCipher(KeyRing.of("k1", Map.of("k1", new SecretKeySpec(raw, "AES"))));
    StagedProducer producer =
        new StagedProducer(1 << 20, new PayloadEncryption(cipher, false), "m-1");

    producer.send("orders.out", Message.ofText("secret plan"));
    Output staged = producer.drain().get(0);

    assertThat(staged.message().id()).isEqualTo(StagedProducer.outputId("m-1", 0));
    assertThat(new String(cipher.decrypt(staged.message()).payload(), StandardCharsets.UTF_8))
        .isEqualTo("secret plan");
  }
}
