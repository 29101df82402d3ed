package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --bootstrap-servers} and {@code --kafka-property}, shared by the demos (a picocli mixin):
 * an external cluster instead of the embedded broker, with its client settings.
 */
final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Use this Kafka cluster instead of the embedded broker.")
    String bootstrapServers;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "A Kafka client property for --bootstrap-servers (repeatable), e.g. security settings.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    /** Client properties without a cluster to apply them to are a usage error. */
    void validate() {
        if (!kafkaProperties.isEmpty() && bootstrapServers == null) {
            throw new CliException(ExitCode.USAGE, "--kafka-property applies to an external cluster: add --bootstrap-servers");
        }
    }

    boolean external() {
        return bootstrapServers != null;
    }

    /** The external cluster, or the embedded broker with its data in {@code dataDir/kafka}. */
    KafkaConnection open(Path dataDir) {
        return KafkaConnection.open(bootstrapServers, kafkaProperties, dataDir);
    }
}
