package dev.cairn.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerProcessTest {
    private static final String PASSWORD = "process-Pa55word-9d1e";

    @Test
    void survivesSigkillAndRestartsOnTheSameDataDirAndPort(@TempDir Path dir) throws Exception {
        String topic = TestTopics.unique("process");
        List<String> sent = Clients.values("p", 200);
        try (BrokerProcess broker = BrokerProcess.builder().dataDir(dir)
                .saslUser("carol", PASSWORD)
                // INFO for this child only: its log is checked for credentials below
                .jvmOption("-Dorg.slf4j.simpleLogger.defaultLogLevel=info")
                .build()) {
            broker.start();
            String bootstrap = broker.bootstrapServers();
            long firstPid = broker.pid();
            assertThat(ProcessHandle.of(firstPid).flatMap(h -> h.info().commandLine()).orElse(""))
                    .as("credentials never on the command line").isNotEmpty().doesNotContain(PASSWORD);
            createTopic(bootstrap, topic);
            Clients.produce(broker.clientProperties(), topic, sent);

            assertThat(broker.kill()).isEqualTo(137);
            assertThat(broker.isRunning()).isFalse();

            broker.start();
            assertThat(broker.pid()).isNotEqualTo(firstPid);
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(Clients.readAll(broker.clientProperties(), topic, IsolationLevel.READ_COMMITTED, sent.size()))
                    .containsExactlyElementsOf(sent);

            assertThat(broker.stop()).as("exit code of a JVM that ran its hooks on SIGTERM").isEqualTo(143);
            String log = Files.readString(broker.logFile(), StandardCharsets.UTF_8);
            assertThat(log).as("SIGTERM ran the clean shutdown; log ends with:%n%s", tail(log))
                    .contains(BrokerMain.STOPPED_LINE);
            assertThat(log).as("the child logged at INFO, including its SASL listener").contains("SASL_PLAINTEXT")
                    .contains(BrokerMain.READY_PREFIX);
            assertThat(log).doesNotContain(PASSWORD);
        }
    }

    @Test
    void startFailsWithTheChildsOutputWhenThePortIsTaken(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafkaBroker.HOST));
             BrokerProcess broker = BrokerProcess.builder().dataDir(dir).port(taken.getLocalPort()).build()) {
            assertThatThrownBy(broker::start)
                    .isInstanceOf(BrokerStartException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("exited (code 1)")
                    .hasMessageContaining("Address already in use");
            assertThat(broker.isRunning()).isFalse();
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }
}
