package dev.cairn.kafka;

import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job reaches the broker through a SASL/PLAIN listener with credentials passed through as
 * ordinary client properties; the password never shows up in its log, its checkpoints, or
 * anything written to the control topic, and every checkpoint file is owner-only.
 */
class SaslSecurityTest {
    private static final String SECRET = "s3cr3t-Pa55w0rd-cairn";

    @TempDir
    Path dir;

    @Test
    void aJobRunsOverSaslPlainAndTheSecretAppearsNowhere() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().saslUser("alice", SECRET).start()) {
            Map<String, Object> sasl = broker.saslClientProperties("alice");
            String in = TestTopics.unique("sasl-in");
            String out = TestTopics.unique("sasl-out");
            try (Admin admin = Admin.create(sasl)) {
                admin.createTopics(List.of(new NewTopic(in, 1, (short) 1), new NewTopic(out, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            List<byte[][]> lines = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                lines.add(new byte[][]{null, ("secure words " + i).getBytes(StandardCharsets.UTF_8)});
            }
            Map<String, Object> producerProps = new java.util.HashMap<>(sasl);
            producerProps.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
            producerProps.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
            try (var p = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(producerProps)) {
                for (byte[][] kv : lines) {
                    p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(in, kv[0], kv[1]));
                }
                p.flush();
            }
            Path props = dir.resolve("client.properties");
            Properties p = new Properties();
            sasl.forEach((k, v) -> {
                if (!k.equals("bootstrap.servers")) {
                    p.setProperty(k, v.toString());
                }
            });
            try (var w = Files.newOutputStream(props)) {
                p.store(w, null);
            }
            Files.setPosixFilePermissions(props, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            Path checkpoints = dir.resolve("checkpoints");
            List<String> args = List.of("jobId=sasl", "bootstrap=" + sasl.get("bootstrap.servers"),
                    "prefix=" + TestTopics.unique("cairn"), "checkpoints=" + checkpoints, "in=" + in, "out=" + out,
                    "nodes=lines,count.0,count.1,out", "coordinator=true", "kafkaProps=" + props);
            try (ChildProcess job = ChildProcess.start(dir, "sasl-job", args, "-Dorg.slf4j.simpleLogger.defaultLogLevel=info")) {
                assertThat(job.waitFor(Duration.ofMinutes(2))).as(job.output()).isZero();
                String log = job.output();
                assertThat(log).as("the job logged its client configuration").contains("sasl.jaas.config");
                assertThat(log).doesNotContain(SECRET);
            }
            assertThat(TestKafka.readAll(broker, out, false)).as("the job counted every word").hasSize(600);
            try (Stream<Path> files = Files.walk(checkpoints)) {
                for (Path f : files.toList()) {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
                    assertThat(perms).as("owner-only: %s", f).noneMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
                    if (Files.isRegularFile(f)) {
                        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as("no secret in %s", f).doesNotContain(SECRET);
                    }
                }
            }
        }
    }
}
