package io.agentmq.kafka.consumer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names and creates one consumer's daemon threads (its poll thread and worker pool) and tells
 * whether code runs on one of them: {@code close()} called from a handler must not wait for its own
 * thread.
 */
final class ConsumerThreads {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The consumer whose thread this is; set first thing on each thread this class creates. */
  private static final ThreadLocal<ConsumerThreads> OWNER = new ThreadLocal<>();

  private final String name;
  private final AtomicInteger workerIds = new AtomicInteger();

  ConsumerThreads(String group) {
    this.name = "agentmq-kafka-" + group + "-" + IDS.incrementAndGet();
  }

  /** Starts the thread {@code <name>-<role>} running {@code task}. */
  Thread start(String role, Runnable task) {
    Thread thread = newThread(role, task);
    thread.start();
    return thread;
  }

  /** A fixed pool of {@code size} threads named {@code <name>-worker-<n>}. */
  ExecutorService newWorkerPool(int size) {
    return Executors.newFixedThreadPool(
        size, task -> newThread("worker-" + workerIds.incrementAndGet(), task));
  }

  /** Whether the calling thread is one of this consumer's. */
  boolean current() {
    return OWNER.get() == this;
  }

  private Thread newThread(String role, Runnable task) {
    Thread thread =
        new Thread(
            () -> {
              OWNER.set(this);
              task.run();
            },
            name + "-" + role);
    thread.setDaemon(true);
    return thread;
  }
}
