package io.agentmq.test;

import io.agentmq.api.MqConfig;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives each test method a fresh {@link TestBroker} as a parameter and
 * closes it (deleting the test's topics) after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final AgentMqExtension mq = AgentMqExtension.create().configure(c -> c.maxRetries(3));
 *
 * @Test
 * void billsAnOrder(TestBroker broker) { ... }
 * }</pre>
 *
 * <p>Or {@code @ExtendWith(AgentMqExtension.class)} for the defaults. The backend is the in-memory
 * broker unless the environment's {@code MQ_BROKER_TYPE} or the system property {@value
 * #BROKER_PROPERTY} (which wins) names another — {@code kafka} or {@code amqp}, whose artifact must
 * then be on the test class path — so the same tests run on a real broker by changing that one
 * setting. Every other setting is read as {@link MqConfig#load()} reads it, then {@link #configure}
 * applies; the kit sets {@link MqConfig.Builder#clock} itself. Thread-safe: tests may run in
 * parallel, each with its own broker.
 */
public final class AgentMqExtension implements ParameterResolver, AfterEachCallback {
  /**
   * System property naming the backend, over {@code MQ_BROKER_TYPE}: {@code
   * -Dagentmq.test.broker=amqp}.
   */
  public static final String BROKER_PROPERTY = "agentmq.test.broker";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(AgentMqExtension.class);

  private final Consumer<MqConfig.Builder> settings;

  /** The defaults, for {@code @ExtendWith(AgentMqExtension.class)}. */
  public AgentMqExtension() {
    this(builder -> {});
  }

  private AgentMqExtension(Consumer<MqConfig.Builder> settings) {
    this.settings = settings;
  }

  /** The defaults, to {@link #configure} further. */
  public static AgentMqExtension create() {
    return new AgentMqExtension();
  }

  /**
   * An extension that also applies {@code more} to each test's configuration, after the environment
   * and the settings given so far, e.g. {@code c -> c.retryBackoff(...)}.
   */
  public AgentMqExtension configure(Consumer<MqConfig.Builder> more) {
    Objects.requireNonNull(more, "more");
    return new AgentMqExtension(settings.andThen(more));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestBroker.class;
  }

  /**
   * The test's broker, opened on first use; the same one for the test and its lifecycle methods.
   */
  @Override
  public TestBroker resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException(
          "a TestBroker belongs to one test method: take it as a parameter of a @Test or"
              + " @BeforeEach method, not of a constructor or @BeforeAll method");
    }
    return store(context)
        .getOrComputeIfAbsent(
            TestBroker.class,
            key -> TestBroker.start(System.getProperty(BROKER_PROPERTY), settings),
            TestBroker.class);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestBroker broker = store(context).remove(TestBroker.class, TestBroker.class);
    if (broker != null) {
      broker.close();
    }
  }

  private static ExtensionContext.Store store(ExtensionContext context) {
    return context.getStore(NAMESPACE);
  }
}
