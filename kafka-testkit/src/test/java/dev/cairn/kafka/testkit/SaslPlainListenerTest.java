package dev.cairn.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SaslPlainListenerTest {
    private static final String PASSWORD = "s3cr3t-Pa55word-\"quoted\"";
    private static final String WRONG = "not-the-Pa55word";

    private static final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private static PrintStream originalErr;
    private static PrintStream originalOut;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBrokerWhileCapturingOutput() {
        // slf4j-simple writes to whatever System.err is at the time of each log call
        originalErr = System.err;
        originalOut = System.out;
        System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(originalOut, captured), true, StandardCharsets.UTF_8));
        broker = EmbeddedKafkaBroker.builder().saslUser("alice", PASSWORD).saslUser("bob", "bobs-password").start();
    }

    @AfterAll
    static void stop() {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
    }

    @Test
    void acceptsTheRightPasswordForProduceAndConsume() throws Exception {
        String topic = TestTopics.unique("sasl");
        broker.createTopic(topic, 1);
        Map<String, Object> alice = broker.saslClientProperties("alice");
        assertThat(alice).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "PLAIN");

        Clients.produce(alice, topic, List.of("a", "b"));

        assertThat(Clients.readAll(alice, topic, IsolationLevel.READ_COMMITTED, 2)).containsExactly("a", "b");
    }

    @Test
    void rejectsAWrongPasswordWithAnAuthenticationErrorAndLogsNoCredentials() {
        Map<String, Object> wrong = new HashMap<>(broker.saslClientProperties("alice", WRONG));
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);

        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("Authentication failed");
        }

        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(output).as("the client's failure was logged, so this output is what we think it is")
                .contains("failed authentication");
        assertThat(output).doesNotContain(PASSWORD).doesNotContain("s3cr3t").doesNotContain(WRONG)
                .doesNotContain("bobs-password");
        assertThat(broker.toString()).doesNotContain("s3cr3t").contains("alice");
    }

    @Test
    void refusesAnUnknownUserInTheHelper() {
        assertThatThrownBy(() -> broker.saslClientProperties("mallory"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mallory")
                .hasMessageNotContaining("s3cr3t");
    }

    /** Copies writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            synchronized (b) {
                b.write(x);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
        }
    }
}
