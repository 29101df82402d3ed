package dev.cairn.kafka;

import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operators of one job in three OS processes sharing the broker and the checkpoint directory: a
 * process SIGKILLed mid-run (once a checkpoint with real state completed) and started again — the
 * counters' process, and the sink's; a process paused past its heartbeat timeout, replaced, then
 * resumed; a second process for operators a live process runs. The job rolls back and finishes
 * with exact counts.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MultiProcessTest {
    @TempDir
    Path dir;

    private record Setup(String jobId, List<String> common, String out, Map<String, Long> expected) {
    }

    private Setup setup(EmbeddedKafkaBroker broker, String jobId, int lines) {
        String in = TestTopics.unique("mp-in");
        String out = TestTopics.unique("mp-out");
        broker.createTopic(in, 2);
        broker.createTopic(out, 1);
        Random r = new Random(lines);
        String[] words = {"kafka", "cairn", "marker", "epoch", "channel", "snapshot"};
        List<byte[][]> recs = new ArrayList<>();
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < lines; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 1 + r.nextInt(5); w++) {
                String word = words[r.nextInt(words.length)];
                sb.append(word).append(' ');
                expected.merge(word, 1L, Long::sum);
            }
            recs.add(new byte[][]{null, sb.toString().getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, recs);
        List<String> common = List.of("jobId=" + jobId, "bootstrap=" + broker.bootstrapServers(),
                "prefix=" + TestTopics.unique("cairn"), "checkpoints=" + dir.resolve("checkpoints"), "in=" + in,
                "out=" + out, "heartbeatMs=200", "timeoutMs=2500");
        return new Setup(jobId, common, out, expected);
    }

    private static List<String> args(Setup s, String nodes, boolean coordinator) {
        List<String> a = new ArrayList<>(s.common());
        a.add("nodes=" + nodes);
        a.add("coordinator=" + coordinator);
        return a;
    }

    private static void assertExact(EmbeddedKafkaBroker broker, Setup s) {
        Map<String, TreeSet<Long>> seen = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(broker, s.out(), false)) {
            seen.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new TreeSet<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
        assertThat(seen.keySet()).isEqualTo(s.expected().keySet());
        s.expected().forEach((w, n) -> {
            assertThat(seen.get(w).last()).as("final count of '%s'", w).isEqualTo(n);
            assertThat(seen.get(w)).as("counts of '%s' without gaps", w).hasSize(n.intValue());
        });
    }

    private static long outputCount(EmbeddedKafkaBroker broker, Setup s) {
        return TestKafka.readAll(broker, s.out(), false).size();
    }

    @Test
    void aProcessKilledMidRunAndStartedAgainRollsTheJobBackAndItFinishesExact(EmbeddedKafkaBroker broker) throws Exception {
        Setup s = setup(broker, "mp-kill", 15_000);
        String info = "-Dorg.slf4j.simpleLogger.log.dev.cairn=info";
        try (ChildProcess p1 = ChildProcess.start(dir, "p1", args(s, "lines", true), info);
             ChildProcess p3 = ChildProcess.start(dir, "p3", args(s, "out", false))) {
            ChildProcess p2 = ChildProcess.start(dir, "p2", args(s, "count.0,count.1", false));
            long restorable;
            try {
                // Killed only once a checkpoint holds real state (lines counted, and counts in flight), so
                // the rollback restores it rather than an (almost) empty first checkpoint.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> latestCheckpoint(s, linesRead(1_000)) > 0 || !p1.isAlive());
                p2.kill();
                restorable = latestCheckpoint(s, linesRead(1_000));
            } finally {
                p2.close();
            }
            assertThat(p1.isAlive()).as("the job still ran when the counters' process was killed: " + p1.output()).isTrue();
            try (ChildProcess p2again = ChildProcess.start(dir, "p2-again", args(s, "count.0,count.1", false))) {
                assertThat(p1.waitFor(Duration.ofMinutes(3))).as(p1.output()).isZero();
                assertThat(p1.output()).contains("rolling back").doesNotContain("cairn-test failure");
                assertThat(restoredCheckpoints(p1.output())).as("the rollback restored a checkpoint with state")
                        .anySatisfy(id -> assertThat(id).isGreaterThanOrEqualTo(restorable));
                // every process finishes on its own (a sink process killed here would test nothing)
                assertThat(p2again.waitFor(Duration.ofSeconds(60))).as(p2again.output()).isZero();
                assertThat(p3.waitFor(Duration.ofSeconds(60))).as(p3.output()).isZero();
            }
        }
        assertExact(broker, s);
    }

    @Test
    void theSinksProcessKilledAfterACheckpointCompletedLosesNoOutput(EmbeddedKafkaBroker broker) throws Exception {
        // The at-least-once sink's records wait in its producer for a minute (they are sent when a
        // batch fills, or at a flush): a checkpoint that completed before they were in the topic
        // would be restored with them lost (its sink believes it wrote them), leaving gaps.
        Setup s = setup(broker, "mp-sink-kill", 6_000);
        Path lingering = dir.resolve("lingering.properties");
        java.nio.file.Files.writeString(lingering, "linger.ms=60000\nbatch.size=1000000\n");
        List<String> sinkArgs = new ArrayList<>(args(s, "out", false));
        sinkArgs.add("kafkaProps=" + lingering);
        try (ChildProcess p1 = ChildProcess.start(dir, "p1", args(s, "lines", true));
             ChildProcess p2 = ChildProcess.start(dir, "p2", args(s, "count.0,count.1", false))) {
            ChildProcess p3 = ChildProcess.start(dir, "p3", sinkArgs);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> latestCheckpoint(s, sinkInputRead(200)) > 0 || !p1.isAlive());
                p3.kill();
            } finally {
                p3.close();
            }
            assertThat(p1.isAlive()).as("the job still ran when the sink's process was killed: " + p1.output()).isTrue();
            try (ChildProcess p3again = ChildProcess.start(dir, "p3-again", args(s, "out", false))) {
                assertThat(p1.waitFor(Duration.ofMinutes(3))).as(p1.output()).isZero();
                assertThat(p1.output()).contains("rolling back").doesNotContain("cairn-test failure");
                assertThat(p2.waitFor(Duration.ofSeconds(60))).as(p2.output()).isZero();
                assertThat(p3again.waitFor(Duration.ofSeconds(60))).as(p3again.output()).isZero();
            }
        }
        assertExact(broker, s);
    }

    /** The highest complete checkpoint that {@code test} accepts, or 0. */
    private long latestCheckpoint(Setup s, Predicate<Manifest> test) {
        Path root = dir.resolve("checkpoints");
        if (!java.nio.file.Files.exists(root.resolve(s.jobId()))) {
            return 0;
        }
        try (LocalCheckpointStorage storage = LocalCheckpointStorage.open(root, s.jobId(), new NioStorageFs())) {
            long found = 0;
            for (CheckpointListing l : storage.list(false)) {
                if (l.status() == CheckpointStatus.COMPLETE && test.test(l.manifest())) {
                    found = Math.max(found, l.checkpointId());
                }
            }
            return found;
        } catch (RuntimeException e) {
            return 0; // storage still being set up by the coordinator's process
        }
    }

    /** The source had read at least {@code lines} lines. */
    private static Predicate<Manifest> linesRead(long lines) {
        return m -> m.operators().get("lines").sourceOffsets().values().stream().mapToLong(Long::longValue).sum() >= lines;
    }

    /** The sink had processed at least {@code records} records and markers (one marker per checkpoint and input). */
    private static Predicate<Manifest> sinkInputRead(long records) {
        return m -> m.operators().get("out").inputs().values().stream().mapToLong(InputSnapshot::position).sum()
                >= records + 2 * m.checkpointId();
    }

    /** The checkpoints the coordinator's log says epochs started from. */
    private static List<Long> restoredCheckpoints(String coordinatorLog) {
        List<Long> ids = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch \\d+ starts from checkpoint (\\d+)")
                .matcher(coordinatorLog);
        while (m.find()) {
            ids.add(Long.parseLong(m.group(1)));
        }
        return ids;
    }

    /** Every count on the output; a negative one was written by a process after its poison flag appeared. */
    private static List<Long> outputValues(EmbeddedKafkaBroker broker, Setup s) {
        List<Long> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(broker, s.out(), false)) {
            values.add(ByteBuffer.wrap(r.value()).getLong());
        }
        return values;
    }

    @Test
    void aPausedProcessReplacedThenResumedWritesNothingThatIsAcceptedAndExits(EmbeddedKafkaBroker broker) throws Exception {
        Setup s = setup(broker, "mp-pause", 15_000);
        Path poison = dir.resolve("zombie-resumed");
        List<String> zombieArgs = new ArrayList<>(args(s, "count.0,count.1", false));
        // Slowed down, so that its inputs hold records of its epoch when it resumes: it does write after resuming.
        zombieArgs.addAll(List.of("mode=REFERENCE", "counterDelayMs=1", "poisonFlag=" + poison));
        String info = "-Dorg.slf4j.simpleLogger.log.dev.cairn=info";
        try (ChildProcess p1 = ChildProcess.start(dir, "p1", withMode(args(s, "lines", true)), info);
             ChildProcess p3 = ChildProcess.start(dir, "p3", withMode(args(s, "out", false)), info);
             ChildProcess zombie = ChildProcess.start(dir, "p2", zombieArgs, info)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> outputCount(broker, s) > 2_000 || !p1.isAlive());
            zombie.signal("STOP");
            // paused past its heartbeat timeout: the coordinator gave up on it before any replacement exists
            await().atMost(Duration.ofSeconds(60)).until(() -> p1.output().contains("stopped heartbeating"));
            try (ChildProcess replacement = ChildProcess.start(dir, "p2-replacement",
                    withMode(args(s, "count.0,count.1", false)), info)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> p1.output().contains("epoch 2 starts")
                        && p3.output().contains("in epoch 2"));
                assertThat(p1.output()).doesNotContain("epoch 3 starts");
                java.nio.file.Files.writeString(poison, "resumed");
                zombie.signal("CONT");
                // it learns it was replaced and exits on its own
                await().atMost(Duration.ofSeconds(60)).until(() -> !zombie.isAlive());
                assertThat(zombie.waitFor(Duration.ofSeconds(1))).as(zombie.output()).isEqualTo(2);
                assertThat(zombie.output()).contains("this process was replaced")
                        .as("it wrote after resuming").contains("cairn-test poisoned output");
                assertThat(p1.waitFor(Duration.ofMinutes(3))).as(p1.output()).isZero();
                replacement.waitFor(Duration.ofSeconds(30));
            }
        }
        assertThat(outputValues(broker, s)).as("nothing the resumed process wrote was accepted")
                .allSatisfy(v -> assertThat(v).isPositive());
        assertExact(broker, s);
    }

    @Test
    void aSecondProcessForOperatorsThatALiveProcessRunsTakesThemOverAndTheOtherExits(EmbeddedKafkaBroker broker)
            throws Exception {
        // The torture run's case: a new process comes up for operators whose process is alive (a paused one that
        // resumed in time, or one started twice). Before, the newcomer waited for ever and both kept running.
        Setup s = setup(broker, "mp-twice", 15_000);
        List<String> firstArgs = new ArrayList<>(args(s, "count.0,count.1", false));
        firstArgs.addAll(List.of("mode=REFERENCE", "counterDelayMs=1")); // still busy when the second one comes
        String info = "-Dorg.slf4j.simpleLogger.log.dev.cairn=info";
        try (ChildProcess p1 = ChildProcess.start(dir, "p1", withMode(args(s, "lines", true)), info);
             ChildProcess p3 = ChildProcess.start(dir, "p3", withMode(args(s, "out", false)));
             ChildProcess first = ChildProcess.start(dir, "p2", firstArgs, info)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> outputCount(broker, s) > 2_000 || !p1.isAlive());
            try (ChildProcess second = ChildProcess.start(dir, "p2-second", withMode(args(s, "count.0,count.1", false)),
                    info)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> !first.isAlive());
                assertThat(first.waitFor(Duration.ofSeconds(1))).as("the older process learns it was replaced: "
                        + first.output() + "\ncoordinator:\n" + p1.output()).isEqualTo(2);
                assertThat(p1.output()).contains("is hosted by a new process");
                assertThat(second.output()).contains("runs [count.0, count.1] in epoch");
                assertThat(p1.waitFor(Duration.ofMinutes(3))).as(p1.output()).isZero();
                assertThat(second.waitFor(Duration.ofSeconds(30))).as(second.output()).isZero();
            }
        }
        assertExact(broker, s);
    }

    private static List<String> withMode(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("mode=REFERENCE");
        return a;
    }
}
