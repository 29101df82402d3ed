package dev.cairn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code cairn demo wordcount} killed at five moments — once inside the input load (a crash point
 * halts the process there, as SIGKILL would), four times at random moments of the run (SIGKILL) —
 * and started again with the same arguments until it finishes: the committed output holds, for every
 * word, exactly the counts 1..n in order, where n is the word's number of occurrences.
 */
@EnabledIfSystemProperty(named = "cairn.demo.kills", matches = "true",
        disabledReason = "found an open bug (cli/README.md, 'Known bug'): after a SIGKILL of the whole demo, broker"
                + " included, the restarted exactly-once sink can find its commit topic blocked by an open"
                + " transaction; run with -Dcairn.demo.kills=true")
class WordCountDemoTest {
    private static final Path LAUNCHER = Path.of("").toAbsolutePath().getParent().resolve("cairn");
    private static final long SEED = Long.getLong("cairn.demo.seed", 20261208L);

    @TempDir
    Path tmp;

    @Test
    void killedFiveTimesItStillCountsEveryWordExactlyOnce() throws Exception {
        Random random = new Random(SEED);
        Path input = tmp.resolve("input.txt");
        Map<String, Integer> expected = writeInput(input, random);
        Path data = tmp.resolve("data");
        String[] args = {"demo", "wordcount", "--input", input.toString(), "--data-dir", data.toString(),
                "--checkpoint-interval", "300ms"};

        // 1: halted inside the load, after some lines were sent and before the transaction commits
        int killLine = 1 + random.nextInt(10_000);
        Run crashed = launch(tmp.resolve("run0"), "-Dcairn.crash.at=demo.duringLoad@" + killLine, args).await();
        assertThat(crashed.exitCode()).as("seed %d: halted at the crash point\n%s", SEED, crashed).isEqualTo(137);
        assertThat(crashed.out()).contains("loading ").doesNotContain("loaded ");

        // 2..5: SIGKILL at random moments after the input is loaded
        int finishedEarly = 0;
        for (int k = 1; k <= 4; k++) {
            Started s = launch(tmp.resolve("run" + k), null, args);
            await().atMost(Duration.ofMinutes(2)).until(() -> s.stdout().contains("loaded ") || s.stdout().contains("already loaded")
                    || !s.process.isAlive());
            long delayMillis = 500 + random.nextInt(4_000);
            if (!s.process.waitFor(delayMillis, TimeUnit.MILLISECONDS)) {
                s.process.destroyForcibly();
            } else {
                finishedEarly++;
            }
            s.process.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(read(tmp.resolve("run1.out"))).as("seed %d: the first restart loads the input (the crashed load left "
                + "nothing committed)", SEED).contains("loaded 10000 lines").doesNotContain("already loaded");

        // to the end
        Run last = launch(tmp.resolve("final"), null, args).await();
        assertThat(last.exitCode()).as("seed %d\n%s", SEED, last).isZero();
        assertThat(last.out()).contains("done: 10000 lines counted");

        // once finished, a run with the same arguments has nothing left to do and writes nothing more
        Run after = launch(tmp.resolve("after"), null, args).await();
        assertThat(after.exitCode()).as("seed %d\n%s", SEED, after).isZero();
        assertThat(after.out()).contains("input already loaded");

        Run dump = launch(tmp.resolve("dump"), null, "demo", "wordcount", "--dump-output", "--data-dir", data.toString()).await();
        assertThat(dump.exitCode()).as(dump.toString()).isZero();
        Map<String, Integer> seen = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        for (String line : dump.out().split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.indexOf('\t');
            String word = line.substring(0, tab);
            int count = Integer.parseInt(line.substring(tab + 1));
            int next = seen.merge(word, 1, Integer::sum);
            if (count != next && wrong.size() < 10) {
                wrong.add(word + ": got " + count + " where " + next + " was due");
            }
        }
        assertThat(wrong).as("seed %d (%d of 4 restarts finished before their kill): counts out of 1..n order",
                SEED, finishedEarly).isEmpty();
        assertThat(seen).as("seed %d: every word counted exactly its occurrences", SEED).isEqualTo(expected);
    }

    /** 10,000 lines of words from a 400-word vocabulary, with CRLF endings, tabs, empty lines and non-ASCII words. */
    private static Map<String, Integer> writeInput(Path file, Random random) throws IOException {
        String[] vocabulary = new String[400];
        for (int i = 0; i < vocabulary.length; i++) {
            vocabulary[i] = switch (i % 7) {
                case 0 -> "Word" + i;
                case 1 -> "café" + i;
                case 2 -> "wörd" + i;
                default -> "w" + i;
            };
        }
        Map<String, Integer> counts = new HashMap<>();
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < 10_000; line++) {
            int words = line % 50 == 7 ? 0 : 1 + random.nextInt(12);
            for (int w = 0; w < words; w++) {
                String word = vocabulary[random.nextInt(vocabulary.length)];
                counts.merge(word, 1, Integer::sum);
                text.append(word).append(w % 5 == 4 ? "\t" : w % 9 == 8 ? "  " : " ");
            }
            text.append(line % 3 == 0 ? "\r\n" : "\n");
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return counts;
    }

    private record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private record Started(Process process, Path outFile, Path errFile) {
        String stdout() throws IOException {
            return read(outFile);
        }

        Run await() throws Exception {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("finished: %s", read(outFile)).isTrue();
            return new Run(process.exitValue(), read(outFile), read(errFile));
        }
    }

    private Started launch(Path base, String javaOpts, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Path.of(base + ".out");
        Path err = Path.of(base + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("CAIRN_NO_BUILD", "1");
        if (javaOpts != null) {
            pb.environment().put("CAIRN_JAVA_OPTS", javaOpts);
        }
        return new Started(pb.start(), out, err);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
