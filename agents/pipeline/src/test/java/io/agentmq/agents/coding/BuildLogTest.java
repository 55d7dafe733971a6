package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BuildLogTest {
  @Test
  @DisplayName("holds the last bytes written, in order, whatever the sizes of the writes")
  void keepsTheLastBytes() {
    byte[] all = new byte[10 * 1024 * 1024];
    new Random(7).nextBytes(all);
    BuildLog log = new BuildLog(64 * 1024);
    Random sizes = new Random(11);
    int at = 0;
    while (at < all.length) {
      int n = Math.min(all.length - at, sizes.nextInt(200_000));
      if (n == 1) {
        log.write(all[at]);
      } else {
        log.write(all, at, n);
      }
      at += n;
    }

    assertThat(log.written()).isEqualTo(all.length);
    assertThat(log.cut()).isTrue();
    assertThat(log.bytes()).isEqualTo(Arrays.copyOfRange(all, all.length - 64 * 1024, all.length));
  }

  @Test
  @DisplayName("a log shorter than the ring is kept whole and not marked as cut")
  void shortLogIsWhole() {
    BuildLog log = new BuildLog(16);
    log.write("hello ".getBytes(), 0, 6);
    log.write('!');

    assertThat(log.cut()).isFalse();
    assertThat(new String(log.bytes())).isEqualTo("hello !");
  }
}
