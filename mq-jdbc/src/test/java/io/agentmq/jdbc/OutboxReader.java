package io.agentmq.jdbc;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.spi.IdempotencyStore;
import io.agentmq.tck.fault.Ledger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbox tests' consumer: one thread reading a topic from the earliest message; it appends
 * every delivery to the ledger ({@code <id> <key> <seq> <micros>}, the payload being the message's
 * sequence number within its key), keeps the messages, and counts the ones the idempotency store
 * had not seen before, as a consumer that drops duplicates by message id handles them.
 */
final class OutboxReader implements AutoCloseable {
  private final Subscriber subscriber;
  private final List<Message> received = new ArrayList<>();
  private final AtomicLong handledOnce = new AtomicLong();

  OutboxReader(MessageQueue queue, String topic, Ledger ledger, IdempotencyStore store) {
    String scope = "outbox-test:" + topic;
    this.subscriber =
        queue.subscribe(
            Subscription.to(topic)
                .group("outbox-readers")
                .concurrency(1)
                .startFrom(StartPosition.EARLIEST)
                .handler(
                    d -> {
                      String line =
                          d.id()
                              + " "
                              + d.key().orElse("-")
                              + " "
                              + new String(d.payload(), StandardCharsets.UTF_8)
                              + " "
                              + Ledger.nowMicros()
                              + "\n";
                      try {
                        Files.writeString(
                            ledger.consumedFile(0),
                            line,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                      synchronized (received) {
                        received.add(d.message());
                      }
                      if (!store.contains(scope, d.id())) {
                        store.record(scope, d.id());
                        handledOnce.incrementAndGet();
                      }
                    })
                .build());
  }

  /** Every message received so far, duplicates included, in the order received. */
  List<Message> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** Messages handled after the idempotency store dropped the ones it had seen. */
  long handledOnce() {
    return handledOnce.get();
  }

  @Override
  public void close() {
    subscriber.close();
  }
}
