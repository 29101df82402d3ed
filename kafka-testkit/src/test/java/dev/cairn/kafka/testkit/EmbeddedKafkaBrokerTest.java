package dev.cairn.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class EmbeddedKafkaBrokerTest {

    @Test
    void producesAndConsumesOnTheSharedBroker(EmbeddedKafkaBroker broker) throws Exception {
        String topic = TestTopics.unique("round-trip");
        broker.createTopic(topic, 1);
        List<String> sent = Clients.values("r", 500);

        Clients.produce(broker.clientProperties(), topic, sent);

        assertThat(Clients.readAll(broker.clientProperties(), topic, IsolationLevel.READ_COMMITTED, sent.size()))
                .containsExactlyElementsOf(sent);
    }

    @Test
    void sharesOneStartedBrokerAndRefusesAutoCreatedTopics(EmbeddedKafkaBroker a, EmbeddedKafkaBroker b) throws Exception {
        assertThat(a).isSameAs(b);
        assertThat(a.isRunning()).isTrue();
        try (Admin admin = Admin.create(a.clientProperties())) {
            String topic = TestTopics.unique("never-created");
            // a metadata request for an unknown topic must not create it (auto.create.topics.enable=false)
            try (var producer = Clients.producer(a.clientProperties(), Map.of("max.block.ms", 1_000))) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "x")).get(30, TimeUnit.SECONDS))
                        .hasStackTraceContaining("not present in metadata");
            }
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    @Test
    void restartOnTheSameDataDirKeepsTopicsRecordsAndBootstrapAddress(@TempDir Path dir) throws Exception {
        String topic = TestTopics.unique("restart");
        List<String> sent = Clients.values("kept", 100);
        String firstBootstrap;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().dataDir(dir).start()) {
            firstBootstrap = first.bootstrapServers();
            first.createTopic(topic, 1);
            Clients.produce(first.clientProperties(), topic, sent);
        }
        assertThat(dir).isDirectory(); // a given directory is kept

        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(dir).start()) {
            assertThat(second.bootstrapServers()).isEqualTo(firstBootstrap);
            assertThat(Clients.readAll(second.clientProperties(), topic, IsolationLevel.READ_COMMITTED, sent.size()))
                    .containsExactlyElementsOf(sent);
        }
    }

    @Test
    void startFailsWithTheAddressAndDataDirWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafkaBroker.HOST))) {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(taken.getLocalPort()).build();
            Path dataDir = broker.dataDir();

            assertThatThrownBy(broker::start)
                    .isInstanceOf(BrokerStartException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining(dataDir.toString())
                    .hasStackTraceContaining("Address already in use");
            assertThat(broker.isRunning()).isFalse();
            assertThat(Files.exists(dataDir)).as("temporary data dir deleted").isFalse();
            broker.close(); // idempotent after a failed start
        }
    }

    @Test
    void startTimesOutWithTheAddressAndDataDir() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().startTimeout(Duration.ofMillis(1)).build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(BrokerStartException.class)
                .hasMessageContaining("did not answer describeCluster within 1 ms")
                .hasMessageContaining(broker.dataDir().toString())
                .hasMessageMatching("Kafka broker at 127\\.0\\.0\\.1:\\d+ .*");
        assertThat(Files.exists(broker.dataDir())).as("temporary data dir deleted").isFalse();
        assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void uniqueTopicNamesNeverRepeatAndAreLegal() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(names.add(TestTopics.unique("t"))).isTrue();
        }
        assertThat(names).allMatch(n -> n.matches("t-\\d+-[0-9a-f]{8}"));
        assertThatThrownBy(() -> TestTopics.unique("bad/prefix")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderRejectsBadSettingsAtOnce() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(70000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().saslUser("a b", "x")).hasMessageContaining("a b");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().brokerProperty("log.dirs", "/x"))
                .hasMessageContaining("log.dirs");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().startTimeout(Duration.ZERO))
                .hasMessageContaining("startTimeout");
    }
}
