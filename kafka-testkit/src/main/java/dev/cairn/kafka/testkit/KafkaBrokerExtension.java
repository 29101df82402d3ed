package dev.cairn.kafka.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests one real Kafka broker per test JVM.
 *
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class MyTest {
 *     @Test
 *     void roundTrip(EmbeddedKafkaBroker broker) {
 *         String topic = TestTopics.unique("words");
 *         broker.createTopic(topic, 1);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>The broker is started lazily, by the first test (or {@code @BeforeAll}/constructor) that asks
 *       for an {@link EmbeddedKafkaBroker} parameter, and shared by every test class of the JVM. It
 *       lives in the root {@link ExtensionContext.Store}, which closes it (and deletes its temporary
 *       data directory) when the test run ends.</li>
 *   <li>It has the {@link EmbeddedKafkaBroker.Builder} defaults: temporary data directory, free port,
 *       no SASL, two-phase commit off. Tests that need other settings, or restart a broker, build
 *       their own.</li>
 *   <li>Tests share the broker, so they must use fresh topic names: {@link TestTopics#unique}.</li>
 * </ul>
 */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);
    private static final String KEY = "broker";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return sharedBroker(extensionContext);
    }

    /** The broker shared by this test JVM, started on first use. */
    public static EmbeddedKafkaBroker sharedBroker(ExtensionContext context) {
        // the root store is shared by all test classes; getOrComputeIfAbsent is atomic, and the store
        // closes AutoCloseable values when the root context closes (JUnit 5.13+)
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> EmbeddedKafkaBroker.builder().start(), EmbeddedKafkaBroker.class);
    }
}
