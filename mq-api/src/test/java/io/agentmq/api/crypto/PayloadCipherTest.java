package io.agentmq.api.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The AES-256-GCM envelope: round trip, rotation, and every way a payload fails to open. */
class PayloadCipherTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SecretKey A = newKey();
  private static final SecretKey B = newKey();

  static SecretKey newKey() {
    byte[] raw = new byte[KeyRing.KEY_BYTES];
    RANDOM.nextBytes(raw);
    return new SecretKeySpec(raw, "AES");
  }

  private static PayloadCipher cipher(String current, Map<String, SecretKey> keys) {
    return new PayloadCipher(KeyRing.of(current, keys));
  }

  private static Message plain() {
    return Message.builder("the plan: ship it".getBytes(StandardCharsets.UTF_8))
        .id("m-1")
        .key("order-7")
        .header(Headers.TYPE, "example.v1.Plan")
        .build();
  }

  @Test
  @DisplayName("encrypts the payload with IV and tag, sets key id and algorithm, and decrypts back")
  void roundTrip() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message sent = plain();

    Message sealed = cipher.encrypt(sent);

    assertThat(sealed.payload()).hasSize(sent.payload().length + PayloadCipher.OVERHEAD);
    assertThat(new String(sealed.payload(), StandardCharsets.ISO_8859_1)).doesNotContain("plan");
    assertThat(sealed.header(PayloadCipher.KEY_ID_HEADER)).contains("a");
    assertThat(sealed.header(PayloadCipher.ALGORITHM_HEADER)).contains("AES-256-GCM");
    assertThat(sealed.id()).isEqualTo(sent.id());
    assertThat(sealed.key()).isEqualTo(sent.key());
    assertThat(sealed.timestampMillis()).isEqualTo(sent.timestampMillis());
    assertThat(cipher.decrypt(sealed)).isEqualTo(sent);
  }

  @Test
  @DisplayName("uses a new IV for each message, so equal payloads encrypt differently")
  void freshIv() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));

    byte[] first = cipher.encrypt(plain()).payload();
    byte[] second = cipher.encrypt(plain()).payload();

    assertThat(Arrays.copyOf(first, 12)).isNotEqualTo(Arrays.copyOf(second, 12));
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  @DisplayName("round-trips an empty payload")
  void emptyPayload() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message empty = Message.builder(new byte[0]).id("e").build();

    Message sealed = cipher.encrypt(empty);

    assertThat(sealed.payload()).hasSize(PayloadCipher.OVERHEAD);
    assertThat(cipher.decrypt(sealed).payload()).isEmpty();
  }

  @Test
  @DisplayName("decrypts a message sealed under key a after the current key became b")
  void rotation() {
    Message sent = plain();
    Message underA = cipher("a", Map.of("a", A)).encrypt(sent);
    PayloadCipher rotated = cipher("b", Map.of("a", A, "b", B));

    Message underB = rotated.encrypt(sent);

    assertThat(underB.header(PayloadCipher.KEY_ID_HEADER)).contains("b");
    assertThat(rotated.decrypt(underA)).isEqualTo(sent);
    assertThat(rotated.decrypt(underB)).isEqualTo(sent);
  }

  @Test
  @DisplayName("refuses a payload with one bit changed: authentication failed under its key id")
  void tampered() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message sealed = cipher.encrypt(plain());
    byte[] bytes = sealed.payload().clone();
    bytes[bytes.length / 2] ^= 1;
    Message altered = Message.builder(bytes).id(sealed.id()).headers(sealed.headers()).build();

    assertThatThrownBy(() -> cipher.decrypt(altered))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("message m-1")
        .hasMessageContaining("authentication failed under key id 'a'");
  }

  @Test
  @DisplayName("refuses a payload moved to another message id: the id is authenticated")
  void idIsAuthenticated() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message sealed = cipher.encrypt(plain());
    Message moved = sealed.toBuilder().id("m-2").build();

    assertThatThrownBy(() -> cipher.decrypt(moved))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("message m-2")
        .hasMessageContaining("authentication failed");
  }

  @Test
  @DisplayName(
      "refuses a payload relabelled with another known key id: the key id is authenticated")
  void keyIdIsAuthenticated() {
    SecretKey sameBytes = new SecretKeySpec(A.getEncoded(), "AES");
    PayloadCipher cipher = cipher("a", Map.of("a", A, "b", sameBytes));
    Message relabelled = cipher.encrypt(plain()).withHeader(PayloadCipher.KEY_ID_HEADER, "b");

    assertThatThrownBy(() -> cipher.decrypt(relabelled))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("authentication failed under key id 'b'");
  }

  @Test
  @DisplayName(
      "refuses a payload whose key id this consumer does not know, listing the ones it does")
  void unknownKeyId() {
    Message underB = cipher("b", Map.of("b", B)).encrypt(plain());

    assertThatThrownBy(() -> cipher("a", Map.of("a", A)).decrypt(underB))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("key id 'b' is unknown here")
        .hasMessageContaining("key ids a");
  }

  @Test
  @DisplayName("refuses a payload sealed under another key of the same id (a wrong key)")
  void wrongKey() {
    Message sealed = cipher("a", Map.of("a", A)).encrypt(plain());

    assertThatThrownBy(() -> cipher("a", Map.of("a", B)).decrypt(sealed))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("authentication failed under key id 'a'");
  }

  @Test
  @DisplayName("refuses a payload shorter than IV and tag as cut short")
  void truncated() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message sealed = cipher.encrypt(plain());
    Message cut =
        Message.builder(Arrays.copyOf(sealed.payload(), 20))
            .id(sealed.id())
            .headers(sealed.headers())
            .build();

    assertThatThrownBy(() -> cipher.decrypt(cut))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("20 bytes, shorter than the 28 bytes of IV and tag");
  }

  @Test
  @DisplayName("refuses an algorithm other than AES-256-GCM")
  void otherAlgorithm() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message other = cipher.encrypt(plain()).withHeader(PayloadCipher.ALGORITHM_HEADER, "ROT13");

    assertThatThrownBy(() -> cipher.decrypt(other))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("'ROT13' is not supported; expected AES-256-GCM");
  }

  @Test
  @DisplayName("never prints key material: not in toString, not in any failure")
  void noKeyMaterial() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    String keyBase64 = Base64.getEncoder().encodeToString(A.getEncoded());
    Message sealed = cipher.encrypt(plain());
    Message altered =
        Message.builder(new byte[40]).id(sealed.id()).headers(sealed.headers()).build();

    Throwable failure =
        org.assertj.core.api.Assertions.catchThrowable(() -> cipher.decrypt(altered));

    assertThat(cipher.toString()).contains("a").doesNotContain(keyBase64);
    assertThat(failure.toString()).doesNotContain(keyBase64);
  }

  @Test
  @DisplayName(
      "opens an encrypted delivery for the handler, passes plaintext and dead letters as they are,"
          + " and refuses plaintext when encryption is required")
  void encryptionPolicy() {
    PayloadCipher cipher = cipher("a", Map.of("a", A));
    Message sent = plain();
    Delivery sealed = delivery(cipher.encrypt(sent));
    Delivery plaintext = delivery(plain());
    Delivery deadLetter =
        delivery(cipher.encrypt(plain()).withHeader(Headers.DLQ_REASON, "handler failed"));
    PayloadEncryption optional = new PayloadEncryption(cipher, false);
    PayloadEncryption required = new PayloadEncryption(cipher, true);

    assertThat(optional.open(sealed).message()).isEqualTo(sent);
    assertThat(optional.open(plaintext)).isSameAs(plaintext);
    assertThat(required.open(deadLetter)).isSameAs(deadLetter);
    assertThatThrownBy(() -> required.open(plaintext))
        .isInstanceOf(PayloadDecryptionException.class)
        .hasMessageContaining("is not encrypted")
        .hasMessageContaining("encryption.require is true");
    assertThat(optional.seal(sealed.message())).isSameAs(sealed.message());
  }

  private static Delivery delivery(Message message) {
    return new Delivery(message, "t", 0, 1, "g", 1, null);
  }
}
