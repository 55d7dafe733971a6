package io.agentmq.bench;

import io.agentmq.api.Message;
import io.agentmq.api.crypto.KeyRing;
import io.agentmq.api.crypto.PayloadCipher;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost payload encryption adds to one message: {@link PayloadCipher} encrypt + decrypt
 * (AES-256-GCM, a fresh IV each time) of a message of {@code size} payload bytes: what a send and
 * its delivery add when {@code encryption.enabled} is set.
 *
 * <p>Run by {@code mq-bench/bench --only serialization}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PayloadCipherBenchmark {
  @Param({"200", "2048"})
  public int size;

  private PayloadCipher cipher;
  private Message message;

  @Setup
  public void setUp() {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[KeyRing.KEY_BYTES];
    random.nextBytes(key);
    cipher = new PayloadCipher(KeyRing.of("k1", Map.of("k1", new SecretKeySpec(key, "AES"))));
    byte[] payload = new byte[size];
    random.nextBytes(payload);
    message = Message.builder(payload).header("mq-type", "example.v1.Plan").build();
  }

  @Benchmark
  public Message encryptDecrypt() {
    return cipher.decrypt(cipher.encrypt(message));
  }
}
