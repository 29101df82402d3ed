package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.FaultInjectingFs;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.cairn.core.CairnException;
import dev.cairn.core.Emitter;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.storage.FsOperation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Checkpoint storage that fails writes for a while: checkpoints fail with the reason, the job keeps
 * running, and checkpoints complete again once storage recovers; past the tolerable failures, the
 * job fails with a clear reason. Storage failing while a restore writes the new epoch to the restore
 * history is retried under the restart policy like any failed attempt, and only past it fails the
 * job, with the cause.
 */
@ExtendWith(KafkaBrokerExtension.class)
class FailingStorageTest {
    @TempDir
    Path checkpoints;

    private Job job(EmbeddedKafkaBroker broker, String id, FaultInjectingFs fs, int tolerable, List<String> failures,
                    AtomicLong completed) {
        String in = TestTopics.unique("fs-in");
        broker.createTopic(in, 1);
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).storageFileSystem(fs)
                .source("src", in).operator("a", () -> (record, out) -> { }).channel("src", "a")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).tolerableFailures(tolerable).build())
                .restartPolicy(RestartPolicy.none())
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest m, long d) {
                        completed.set(m.checkpointId());
                    }

                    @Override
                    public void onCheckpointFailed(long id, String reason) {
                        failures.add(reason);
                    }
                }).build();
    }

    @Test
    void checkpointsFailWhileStorageFailsAndCompleteAgainAfterwards(EmbeddedKafkaBroker broker) throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong completed = new AtomicLong();
        try (RunningJob running = job(broker, "fs-recover", fs, 1000, failures, completed).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > 0);
            fs.failWrites();
            await().atMost(Duration.ofSeconds(60)).until(() -> failures.size() >= 3);
            long before = completed.get();
            fs.heal();
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > before);
            assertThat(running.isTerminated()).as("the job kept running").isFalse();
        }
        assertThat(String.join("\n", failures)).containsAnyOf("STATE_SNAPSHOT_FAILED", "cannot write the local snapshot",
                "no checkpoint id could be allocated", "manifest could not be committed");
    }

    @Test
    void pastTheTolerableFailuresTheJobFailsWithTheReason(EmbeddedKafkaBroker broker) throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong completed = new AtomicLong();
        try (RunningJob running = job(broker, "fs-fail", fs, 2, failures, completed).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > 0);
            fs.failWrites();
            await().atMost(Duration.ofSeconds(60)).until(running::isTerminated);
            assertThat(running.failure()).hasValueSatisfying(e -> assertThat(e.getMessage())
                    .contains("consecutive failures exceed tolerableFailures=2"));
        }
    }

    // ------------------------------------------------------------------ failures while an epoch begins

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};

    /** The input lines; returns each word's count. */
    private static Map<String, Long> writeLines(EmbeddedKafkaBroker broker, String topic, int lines) {
        broker.createTopic(topic, 2);
        Random r = new Random(lines);
        List<byte[][]> records = new ArrayList<>();
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < lines; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 1 + r.nextInt(5); w++) {
                String word = WORDS[r.nextInt(WORDS.length)];
                sb.append(word).append(' ');
                expected.merge(word, 1L, Long::sum);
            }
            records.add(new byte[][]{null, sb.toString().getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, topic, records);
        return expected;
    }

    /** A counter that throws once, on the first record after {@code armed} was set. */
    private static final class FailsOnceWhenArmed implements Operator {
        private final Operator counter = new WordCountOperators.Counter("out");
        private final AtomicBoolean armed;
        private final AtomicInteger failures;

        FailsOnceWhenArmed(AtomicBoolean armed, AtomicInteger failures) {
            this.armed = armed;
            this.failures = failures;
        }

        @Override
        public void open(OperatorContext context) throws Exception {
            counter.open(context);
        }

        @Override
        public void process(Record record, Emitter out) throws Exception {
            if (armed.compareAndSet(true, false)) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure after a completed checkpoint");
            }
            counter.process(record, out);
        }
    }

    /** The writes that make a new epoch: the restore history and the epoch record (and their temporaries). */
    private static boolean beginsAnEpoch(FsOperation op) {
        for (Path p : new Path[]{op.path(), op.target()}) {
            String name = p == null || p.getFileName() == null ? "" : p.getFileName().toString();
            if (name.startsWith("RESTORES") || name.startsWith("EPOCH")) {
                return true;
            }
        }
        return false;
    }

    private record EpochStart(int epoch, long restored) {
    }

    /**
     * Word count whose counter fails once after the first completed checkpoint; the restore that
     * follows meets {@code fs} failing as {@code failing} says.
     */
    private Job restoringJob(EmbeddedKafkaBroker broker, String id, String in, String out, FaultInjectingFs fs,
                             RestartPolicy policy, List<EpochStart> epochs, AtomicInteger failures) {
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean armedOnce = new AtomicBoolean();
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).storageFileSystem(fs)
                .boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new FailsOnceWhenArmed(armed, failures))
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                .restartPolicy(policy)
                .listener(new JobListener() {
                    @Override
                    public void onEpochStarted(int epoch, long restoredCheckpoint) {
                        epochs.add(new EpochStart(epoch, restoredCheckpoint));
                    }

                    @Override
                    public void onCheckpointCompleted(Manifest m, long d) {
                        if (armedOnce.compareAndSet(false, true)) {
                            armed.set(true);
                        }
                    }
                }).build();
    }

    @Test
    void storageFailingWhileARestoreBeginsItsEpochIsRetriedAndTheJobFinishesExact(EmbeddedKafkaBroker broker)
            throws Exception {
        String in = TestTopics.unique("fs-restore-in");
        String out = TestTopics.unique("fs-restore-out");
        Map<String, Long> expected = writeLines(broker, in, 20_000);
        broker.createTopic(out, 1);
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<EpochStart> epochs = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        // Once the operator failed, every write of the next epoch's records fails until healed below.
        Predicate<FsOperation> failing = op -> failures.get() > 0 && op.isWrite() && beginsAnEpoch(op);
        fs.failWhen(failing);
        Job job = restoringJob(broker, "fs-restore", in, out, fs, RestartPolicy.fixedDelay(Duration.ofMillis(100), 50),
                epochs, failures);
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> fs.injectedFaults() >= 5 || running.isTerminated());
            assertThat(running.failure()).as("a storage failure while the epoch begins is retried").isEmpty();
            assertThat(epochs).as("no new epoch began while its records could not be written").hasSize(1);
            fs.heal();
            assertThat(running.awaitTermination(Duration.ofSeconds(90))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertThat(failures.get()).as("the operator failure was injected").isEqualTo(1);
        assertThat(epochs).as("epochs begun: the first, then one restore after storage recovered").hasSize(2);
        assertThat(epochs.get(1).restored()).as("the restore went to a completed checkpoint").isPositive();
        try (var storage = dev.cairn.core.storage.LocalCheckpointStorage.open(checkpoints, "fs-restore", new NioStorageFs())) {
            // the failed attempts left the history readable; the epoch that ran is above all it holds
            assertThat(storage.restoreHistory()).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.epoch()).isLessThanOrEqualTo(epochs.get(1).epoch()));
            assertThat(storage.currentEpoch().orElseThrow().epoch()).isEqualTo(epochs.get(1).epoch());
        }
        Map<String, TreeSet<Long>> seen = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(broker, out, false)) {
            seen.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new TreeSet<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
        assertThat(seen.keySet()).isEqualTo(expected.keySet());
        expected.forEach((w, n) -> {
            assertThat(seen.get(w).last()).as("final count of '%s'", w).isEqualTo(n);
            assertThat(seen.get(w)).as("counts of '%s' without gaps", w).hasSize(n.intValue());
        });
    }

    @Test
    void storageThatStaysFailingWhileAnEpochBeginsFailsTheJobAfterTheRestartPolicyWithTheCause(
            EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("fs-restore-in");
        String out = TestTopics.unique("fs-restore-out");
        writeLines(broker, in, 20_000);
        broker.createTopic(out, 1);
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<EpochStart> epochs = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        fs.failWhen(op -> failures.get() > 0 && op.isWrite() && beginsAnEpoch(op));
        Job job = restoringJob(broker, "fs-restore-fails", in, out, fs, RestartPolicy.fixedDelay(Duration.ofMillis(50), 3),
                epochs, failures);
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).as("the job gave up").isTrue();
            assertThat(running.failure()).hasValueSatisfying(e -> {
                assertThat(e.reason()).isEqualTo(CairnException.Reason.STORAGE);
                assertThat(e.getMessage()).contains("could not begin a new epoch", "restart policy allows 3",
                        "restore history", "injected storage fault");
            });
        }
        assertThat(failures.get()).isEqualTo(1);
        assertThat(epochs).as("only the first epoch began").hasSize(1);
        // the rollback is the first of the 3 attempts the policy allows; each restore failed at its first write
        assertThat(fs.injectedFaults()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ failures while a process starts

    private Job simpleJob(EmbeddedKafkaBroker broker, String id, FaultInjectingFs fs, Duration startTimeout,
                          AtomicLong completed) {
        String in = TestTopics.unique("fs-start-in");
        broker.createTopic(in, 1);
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).storageFileSystem(fs)
                .source("src", in).operator("a", () -> (record, out) -> { }).channel("src", "a")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5)).startTimeout(startTimeout)
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest m, long d) {
                        completed.set(m.checkpointId());
                    }
                }).build();
    }

    @Test
    void aProcessStartingWhileStorageFailsWaitsForItAndRuns(EmbeddedKafkaBroker broker) throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        AtomicLong completed = new AtomicLong();
        Job job = simpleJob(broker, "fs-start", fs, Duration.ofSeconds(60), completed);
        fs.failWrites();
        java.util.concurrent.CompletableFuture<RunningJob> started =
                java.util.concurrent.CompletableFuture.supplyAsync(job::start);
        await().atMost(Duration.ofSeconds(60)).until(() -> fs.injectedFaults() >= 3 || started.isDone());
        assertThat(started).as("still waiting for storage").isNotDone();
        fs.heal();
        try (RunningJob running = started.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > 0);
            assertThat(running.failure()).isEmpty();
        }
    }

    @Test
    void storageThatStaysUnusableFailsTheStartWithinTheStartTimeoutNamingThePath(EmbeddedKafkaBroker broker) {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        fs.failWrites();
        Job job = simpleJob(broker, "fs-start-fails", fs, Duration.ofSeconds(2), new AtomicLong());
        org.assertj.core.api.Assertions.assertThatThrownBy(job::start).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.STORAGE);
            assertThat(e.getMessage()).contains("checkpoint directory", checkpoints.resolve("fs-start-fails").toString(),
                    "within the start timeout PT2S");
        });
        assertThat(fs.injectedFaults()).as("it tried more than once").isGreaterThan(1);
    }
}
