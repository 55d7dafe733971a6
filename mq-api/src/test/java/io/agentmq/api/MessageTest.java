package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MessageTest {

  @Test
  @DisplayName("gives each message a distinct version-4 UUID id")
  void ids() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = Message.of(new byte[0]).id();
      assertThat(UUID.fromString(id).version()).isEqualTo(4);
      assertThat(UUID.fromString(id).variant()).isEqualTo(2);
      ids.add(id);
    }
    assertThat(ids).hasSize(10_000);
  }

  @Test
  @DisplayName("keeps headers immutable and copies them on withHeader")
  void headers() {
    Message m = Message.builder(new byte[] {1}).header("a", "1").build();

    Message m2 = m.withHeader("b", "2");

    assertThat(m.headers()).containsOnlyKeys("a");
    assertThat(m2.headers()).containsOnlyKeys("a", "b");
    assertThat(m2.id()).isEqualTo(m.id());
    assertThatThrownBy(() -> m.headers().put("c", "3"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("prints id, key, header names and size, never the payload or header values")
  void toStringHidesContent() {
    Message m = Message.builder("secret-body".getBytes()).key("k").header("token", "t0p").build();

    assertThat(m.toString())
        .contains(m.id(), "key=k", "token", "11 bytes")
        .doesNotContain("secret-body", "t0p");
  }

  @Test
  @DisplayName("counts multi-byte characters in its size")
  void size() {
    Message ascii = Message.builder(new byte[10]).id("i").key("aaaa").build();
    Message accented = Message.builder(new byte[10]).id("i").key("éééé").build();

    assertThat(accented.serializedSizeEstimate() - ascii.serializedSizeEstimate()).isEqualTo(4);
  }

  @Test
  @DisplayName("creates an id only when asked, and keeps it: copies and every caller see one id")
  void idOnDemand() throws Exception {
    Message given = Message.builder(new byte[0]).id("order-1").build();
    Message unasked = Message.of("k", new byte[0]);

    assertThat(given.knownId()).contains("order-1");
    assertThat(unasked.knownId()).isEmpty();
    assertThat(unasked.serializedSizeEstimate()).isEqualTo(1 + 36 + 32);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<String>> ids =
          pool.invokeAll(java.util.Collections.nCopies(8, unasked::id));
      String id = unasked.knownId().orElseThrow();
      for (java.util.concurrent.Future<String> f : ids) {
        assertThat(f.get()).isEqualTo(id);
      }
    } finally {
      pool.shutdown();
    }
    Message fresh = Message.of(new byte[0]);
    Message copy = fresh.withHeader("a", "1");
    assertThat(copy.id()).isEqualTo(fresh.id());
    assertThat(fresh.knownId()).isPresent();
  }
}
