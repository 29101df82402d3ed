package dev.cairn.cli;

import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bank demo on an external cluster reached through SASL/PLAIN, with the credentials passed as
 * {@code --kafka-property}: it runs, and the password appears in none of its output, none of the
 * checkpoint files, and none of what the inspection commands print ({@code --json} included) or
 * write (the report). Checkpoint files and directories are owner-only.
 */
class CredentialsTest {
    private static final String SECRET = "pw-9f3K-never-print-me";

    @TempDir
    Path tmp;

    @Test
    void theSaslPasswordAppearsInNoOutputFileOrReport() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().saslUser("bank", SECRET).start()) {
            Map<String, Object> sasl = broker.saslClientProperties("bank");
            Path data = tmp.resolve("data");
            List<String> args = new ArrayList<>(List.of("demo", "bank", "--accounts", "3", "--rate", "200",
                    "--checkpoint-interval", "500ms", "--duration", "3s", "--data-dir", data.toString(),
                    "--bootstrap-servers", broker.saslBootstrapServers()));
            sasl.forEach((k, v) -> {
                if (!k.equals("bootstrap.servers")) {
                    args.add("--kafka-property");
                    args.add(k + "=" + v);
                }
            });
            Run demo = Run.of(args.toArray(String[]::new));
            assertThat(demo.exitCode()).as(demo.toString()).isZero();
            assertThat(demo.out()).contains("total 3,000,000  ok");
            assertThat(data.resolve("kafka")).as("no embedded broker with --bootstrap-servers").doesNotExist();

            Path jobDir = data.resolve("checkpoints").resolve("bank");
            List<String> printed = new ArrayList<>(List.of(demo.out(), demo.err()));
            for (String[] command : List.of(
                    new String[]{"checkpoints", "list", "--dir", jobDir.toString(), "--json"},
                    new String[]{"checkpoints", "list", "--dir", jobDir.toString()},
                    new String[]{"checkpoints", "verify", "--dir", jobDir.toString(), "--json"})) {
                Run r = Run.of(command);
                assertThat(r.exitCode()).as(r.toString()).isZero();
                printed.add(r.out());
                printed.add(r.err());
            }
            long latest = Run.of("checkpoints", "list", "--dir", jobDir.toString(), "--json").json()
                    .get("checkpoints").get(0).get("id").asLong();
            Run show = Run.of("checkpoints", "show", Long.toString(latest), "--dir", jobDir.toString(), "--json");
            assertThat(show.exitCode()).as(show.toString()).isZero();
            printed.add(show.out());
            Path report = tmp.resolve("report.html");
            Run r = Run.of("report", "--dir", jobDir.toString(), "--out", report.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            printed.add(Files.readString(report, StandardCharsets.UTF_8));
            assertThat(printed).noneMatch(s -> s.contains(SECRET));

            try (Stream<Path> files = Files.walk(data.resolve("checkpoints"))) {
                for (Path f : files.toList()) {
                    assertThat(Files.getPosixFilePermissions(f)).as("owner-only: %s", f)
                            .noneMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
                    if (Files.isRegularFile(f)) {
                        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as("no secret in %s", f)
                                .doesNotContain(SECRET);
                    }
                }
            }
        }
    }
}
