package dev.cairn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code cairn demo bank}, the README's main job: run on the embedded broker, every checkpoint's
 * audited total is the bank's total, stopped and started again it restores the latest checkpoint —
 * also after a SIGKILL of the whole process (broker included).
 */
class BankDemoTest {
    private static final Path LAUNCHER = Path.of("").toAbsolutePath().getParent().resolve("cairn");
    /** A checkpoint line that carries an audit result: "checkpoint 7  took ... total 4,000,000  ok". */
    private static final Pattern AUDITED = Pattern.compile("^checkpoint (\\d+) .* total ([0-9,]+)(.*)$", Pattern.MULTILINE);
    private static final Pattern RESTORED = Pattern.compile("^restored checkpoint (\\d+) in \\d+ ms", Pattern.MULTILINE);
    private static final Pattern LATEST = Pattern.compile("^stopped; latest checkpoint (\\d+);", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    private static String[] bank(Path data, String duration, String... more) {
        return bank(data, duration, 4, more);
    }

    private static String[] bank(Path data, String duration, int accounts, String... more) {
        List<String> args = new ArrayList<>(List.of("demo", "bank", "--accounts", String.valueOf(accounts), "--rate", "300",
                "--checkpoint-interval", "500ms", "--duration", duration, "--data-dir", data.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** The ids of the audited checkpoint lines; each must show the bank's total and "ok". */
    private static List<Long> auditedTotals(String out, String expectedTotal) {
        List<Long> ids = new ArrayList<>();
        Matcher m = AUDITED.matcher(out);
        while (m.find()) {
            assertThat(m.group(2)).as("audited total of checkpoint %s in:%n%s", m.group(1), out).isEqualTo(expectedTotal);
            assertThat(m.group(3).trim()).as("checkpoint %s", m.group(1)).isEqualTo("ok");
            ids.add(Long.parseLong(m.group(1)));
        }
        return ids;
    }

    private static long first(Pattern p, String out) {
        Matcher m = p.matcher(out);
        assertThat(m.find()).as("%s in:%n%s", p, out).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void auditsEveryCheckpointAndRestoresTheLatestOnTheNextStart() throws IOException {
        Path data = tmp.resolve("bank");
        Run fresh = Run.of(bank(data, "4s"));
        assertThat(fresh.exitCode()).as(fresh.toString()).isZero();
        assertThat(fresh.out()).contains("fresh start").doesNotContain("WRONG");
        List<Long> firstIds = auditedTotals(fresh.out(), "4,000,000");
        assertThat(firstIds).as(fresh.toString()).hasSizeGreaterThanOrEqualTo(2);
        long latest = first(LATEST, fresh.out());
        assertThat(firstIds).as("the final checkpoint is audited too").contains(latest);

        Run again = Run.of(bank(data, "2s"));
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(first(RESTORED, again.out())).as(again.toString()).isEqualTo(latest);
        assertThat(again.out()).doesNotContain("fresh start");
        assertThat(auditedTotals(again.out(), "4,000,000")).as(again.toString())
                .isNotEmpty().allSatisfy(id -> assertThat(id).isGreaterThan(latest));

        // the data directory is for a bank of 4 accounts: another size is refused before anything runs
        Run resized = Run.of(bank(data, "2s", 5));
        assertThat(resized.exitCode()).as(resized.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(resized.errorLines()).singleElement().asString()
                .contains("holds a bank of 4 accounts").contains("--accounts 4").contains(data.toString());

        // every manifest damaged: nothing valid to restore, and the demo does not start over them
        try (Stream<Path> manifests = Files.walk(data.resolve("checkpoints"))) {
            for (Path m : manifests.filter(p -> p.getFileName().toString().equals("MANIFEST")).toList()) {
                byte[] bytes = Files.readAllBytes(m);
                bytes[bytes.length / 2] ^= 0x5a;
                Files.write(m, bytes);
            }
        }
        Run corrupt = Run.of(bank(data, "2s"));
        assertThat(corrupt.exitCode()).as(corrupt.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(corrupt.errorLines()).singleElement().asString()
                .contains("holds checkpoints but none is valid").contains("MANIFEST").contains("cairn checkpoints list");
    }

    @Test
    void aSigkilledDemoRestoresAtLeastTheLastCheckpointItPrinted() throws Exception {
        Path data = tmp.resolve("killed");
        Path out1 = tmp.resolve("run1.out");
        Process p = launch(out1, bank(data, "0s"));
        long lastPrinted;
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> auditedTotals(read(out1), "4,000,000").size() >= 2);
            List<Long> printed = auditedTotals(read(out1), "4,000,000");
            lastPrinted = printed.get(printed.size() - 1);
        } finally {
            p.destroyForcibly(); // SIGKILL: no final checkpoint, the embedded broker dies with it
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Path out2 = tmp.resolve("run2.out");
        Process again = launch(out2, bank(data, "2s"));
        assertThat(again.waitFor(2, TimeUnit.MINUTES)).as("second run finished").isTrue();
        String second = read(out2);
        assertThat(again.exitValue()).as(second + "\n" + read(tmp.resolve("run2.out.err"))).isZero();
        assertThat(first(RESTORED, second)).as(second).isGreaterThanOrEqualTo(lastPrinted);
        assertThat(auditedTotals(second, "4,000,000")).as(second).isNotEmpty();
    }

    @Test
    void refusesOptionsItCannotHonourWithOneLine() throws IOException {
        Run aligned = Run.of(bank(tmp.resolve("aligned"), "2s", "--alignment", "aligned"));
        assertThat(aligned.exitCode()).as(aligned.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(aligned.errorLines()).singleElement().asString().contains("acyclic").contains("acct-");
        assertThat(tmp.resolve("aligned").resolve("kafka")).as("refused before any broker started").doesNotExist();

        Run tooFew = Run.of(bank(tmp.resolve("few"), "2s", 1));
        assertThat(tooFew.exitCode()).as(tooFew.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(tooFew.errorLines()).singleElement().asString().contains("--accounts must be between 2 and 64, was 1");

        Path aFile = Files.writeString(tmp.resolve("not-a-directory"), "x");
        Run notDir = Run.of(bank(aFile, "2s"));
        assertThat(notDir.exitCode()).as(notDir.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(notDir.errorLines()).singleElement().asString().contains(aFile.toString()).contains("--data-dir");

        Run badDuration = Run.of(bank(tmp.resolve("d"), "soon"));
        assertThat(badDuration.exitCode()).as(badDuration.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(badDuration.errorLines()).singleElement().asString().contains("'soon' is not a duration");
    }

    private Process launch(Path stdout, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(stdout.toFile()).redirectError(Path.of(stdout + ".err").toFile());
        pb.environment().put("CAIRN_NO_BUILD", "1");
        return pb.start();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
