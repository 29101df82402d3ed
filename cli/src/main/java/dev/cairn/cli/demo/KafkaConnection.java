package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.kafka.testkit.BrokerStartException;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kafka cluster a demo runs on: the embedded broker, with its data in {@code <data-dir>/kafka} so
 * that a restarted demo finds its topics again, or an external cluster given with {@code
 * --bootstrap-servers}.
 */
final class KafkaConnection implements AutoCloseable {
    private final EmbeddedKafkaBroker broker;
    private final Map<String, Object> properties;
    private final String description;

    private KafkaConnection(EmbeddedKafkaBroker broker, Map<String, Object> properties, String description) {
        this.broker = broker;
        this.properties = Map.copyOf(properties);
        this.description = description;
    }

    static KafkaConnection open(String bootstrapServers, Map<String, String> extra, Path dataDir) {
        if (bootstrapServers != null) {
            Map<String, Object> p = new HashMap<>(extra);
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            return new KafkaConnection(null, p, "Kafka at " + bootstrapServers);
        }
        Path kafkaDir = DemoDirectories.prepare(dataDir, "kafka");
        try {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(kafkaDir).start();
            return new KafkaConnection(broker, broker.clientProperties(),
                    "the embedded Kafka broker at " + broker.bootstrapServers());
        } catch (BrokerStartException e) {
            throw new CliException(ExitCode.INTERNAL, "the embedded Kafka broker (data in " + kafkaDir
                    + ") did not start: " + e.getMessage(), e);
        }
    }

    /** Client properties for the job and the demo's own clients (bootstrap servers included). */
    Map<String, Object> properties() {
        return properties;
    }

    String description() {
        return description;
    }

    /** Creates a one-partition topic unless it exists; returns its name. */
    String ensureTopic(String topic) {
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new CliException(ExitCode.INTERNAL, "cannot create topic '" + topic + "' on " + description
                        + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new CliException(ExitCode.INTERNAL, "no answer from " + description + " within 60 s while creating"
                    + " topic '" + topic + "'; is the cluster reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.INTERNAL, "interrupted while creating topic '" + topic + "'", e);
        }
        return topic;
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
