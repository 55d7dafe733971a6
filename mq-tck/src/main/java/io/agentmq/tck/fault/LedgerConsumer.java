package io.agentmq.tck.fault;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The consumer process of the fault scenarios: subscribes a group to a topic with the backend and
 * settings of its environment ({@code MQ_BROKER_TYPE}, {@code MQ_<SECTION>_<KEY>}...), and records
 * every message it handles in the ledger before the handler returns, so before it is acknowledged.
 * A payload of {@value #POISON} halts the JVM at once, as a native crash or an OOM kill would.
 *
 * <p>Arguments: {@code <ledger file> <topic> <group> <concurrency> [<relay topic>]}. With a relay
 * topic, the handler also emits each message to it (through the delivery's producer, so under
 * exactly-once the output is published only if the handling succeeds), with the handled message's
 * id in the {@value #RELAYED_ID} header. Stops on SIGTERM, closing the queue (which drains the
 * handlers).
 */
public final class LedgerConsumer {
  /** The payload that kills its consumer. */
  public static final String POISON = "poison";

  /** The header of a relayed message that names the message it was emitted for. */
  public static final String RELAYED_ID = "ledger-relayed-id";

  private LedgerConsumer() {}

  public static void main(String[] args) throws InterruptedException {
    Path ledger = Path.of(args[0]);
    String topic = args[1];
    String group = args[2];
    int concurrency = Integer.parseInt(args[3]);
    String relayTo = args.length > 4 ? args[4] : null;
    MessageQueue queue = MessageQueue.create(MqConfig.load());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  queue.close();
                  stopped.countDown();
                }));
    queue.subscribe(
        Subscription.to(topic)
            .group(group)
            .concurrency(concurrency)
            .handler(
                d -> {
                  String payload = new String(d.message().payload(), StandardCharsets.UTF_8);
                  if (payload.equals(POISON)) {
                    Runtime.getRuntime().halt(137);
                  }
                  // The payload is the message's sequence number within its key.
                  Ledger.append(
                      ledger, Ledger.consumedLine(d.id(), d.message().key().orElse("-"), payload));
                  if (relayTo != null) {
                    d.producer().send(relayTo, d.message().withHeader(RELAYED_ID, d.id()));
                  }
                })
            .build());
    System.out.println("subscribed " + group + " to " + topic);
    stopped.await();
  }
}
