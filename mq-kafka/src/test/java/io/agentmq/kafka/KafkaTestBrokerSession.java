package io.agentmq.kafka;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** Stops the test broker when the JUnit run ends (registered through ServiceLoader). */
public final class KafkaTestBrokerSession implements LauncherSessionListener {
  @Override
  public void launcherSessionClosed(LauncherSession session) {
    KafkaTestBroker.stop();
  }
}
