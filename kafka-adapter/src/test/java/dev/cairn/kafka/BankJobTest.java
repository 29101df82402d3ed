package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.TriggerStyle;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.simulation.BankWorkload;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bank on a strongly connected (cyclic) graph of accounts over real Kafka: money is never
 * created or lost, so every completed checkpoint's balances plus in-flight amounts equal the
 * initial total — across injected operator failures and rollbacks, in every in-flight mode and
 * both trigger styles.
 */
@ExtendWith(KafkaBrokerExtension.class)
class BankJobTest {
    private static final int ACCOUNTS = 5;
    private static final int TICKS = 400;

    @TempDir
    Path checkpoints;

    /** Fails once when the job-wide count of processed transfers reaches one of the fail points. */
    static final class Failing implements Operator {
        private final Operator inner;
        private final AtomicInteger processed;
        private final Set<Integer> failAt;
        private final AtomicInteger failures;

        Failing(Operator inner, AtomicInteger processed, Set<Integer> failAt, AtomicInteger failures) {
            this.inner = inner;
            this.processed = processed;
            this.failAt = failAt;
            this.failures = failures;
        }

        @Override
        public void open(OperatorContext context) throws Exception {
            inner.open(context);
        }

        @Override
        public void process(Record record, Emitter out) throws Exception {
            if (failAt.remove(processed.incrementAndGet())) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure at transfer " + processed.get());
            }
            inner.process(record, out);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"COPY, ALL_OPERATORS", "REFERENCE, ALL_OPERATORS", "COPY, SOURCES_ONLY", "REFERENCE, SOURCES_ONLY"})
    void moneyIsConservedInEveryCheckpointAcrossFailures(InFlightMode mode, TriggerStyle triggers,
                                                         EmbeddedKafkaBroker broker) throws Exception {
        String ticks = TestTopics.unique("ticks");
        broker.createTopic(ticks, 1);
        List<byte[][]> records = new ArrayList<>();
        for (int i = 0; i < TICKS; i++) {
            records.add(new byte[][]{null, Serdes.longs().serialize((long) i)});
        }
        TestKafka.produce(broker, ticks, records);

        Random r = new Random(mode.ordinal() * 10L + triggers.ordinal());
        String jobId = "bank-" + mode.name().toLowerCase() + "-" + triggers.name().toLowerCase().replace('_', '-');
        Job.Builder b = Job.builder(jobId).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).source("ticks", ticks);
        List<String[]> edges = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            edges.add(new String[]{"a" + i, "a" + ((i + 1) % ACCOUNTS)}); // a ring: strongly connected
        }
        edges.add(new String[]{"a0", "a2"});
        edges.add(new String[]{"a3", "a1"});
        AtomicInteger processed = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Set<Integer> failAt = ConcurrentHashMap.newKeySet();
        failAt.addAll(List.of(150, 700 + r.nextInt(300), 1500 + r.nextInt(500)));
        for (int i = 0; i < ACCOUNTS; i++) {
            String id = "a" + i;
            List<String> outs = new ArrayList<>();
            for (String[] e : edges) {
                if (e[0].equals(id)) {
                    outs.add(e[1]);
                }
            }
            long seed = r.nextLong();
            b.operator(id, () -> new Failing(new BankWorkload.Account(outs, Set.of("ticks"), seed), processed, failAt, failures));
            b.channel("ticks", id);
        }
        for (String[] e : edges) {
            b.channel(e[0], e[1]);
        }
        AtomicLong ticksCheckpointed = new AtomicLong();
        AtomicInteger completed = new AtomicInteger();
        Job job = b.checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(150)).inFlight(mode).triggers(triggers)
                        .retained(1000).maxConcurrent(2).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 10))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
                        ticksCheckpointed.set(manifest.operators().get("ticks").sourceOffsets().getOrDefault(ticks + ":0", 0L));
                        completed.incrementAndGet();
                    }
                })
                .build();

        try (RunningJob running = job.start()) {
            // every tick checkpointed, and enough checkpoints to audit: on a fast machine the ticks can all be in
            // by the third checkpoint (the job is unbounded, so waiting for more costs a few intervals)
            await().atMost(Duration.ofSeconds(90)).until(() -> (ticksCheckpointed.get() == TICKS && completed.get() >= 5)
                    || running.isTerminated());
            assertThat(running.failure()).isEmpty();
            assertThat(running.stopWithCheckpoint(Duration.ofSeconds(30))).as("final checkpoint").isTrue();
        }
        assertThat(failures.get()).as("injected failures").isGreaterThanOrEqualTo(2);

        try (CheckpointStorage storage = LocalCheckpointStorage.open(checkpoints, jobId, new NioStorageFs())) {
            int audited = 0;
            for (CheckpointListing l : storage.list(false)) {
                if (l.status() != CheckpointStatus.COMPLETE) {
                    continue;
                }
                audited++;
                CheckpointReader reader = new CheckpointReader(l.manifest(), storage, job.settings().stateBackend(),
                        broker.clientProperties(), job::channelTopic);
                long balances = 0;
                for (int i = 0; i < ACCOUNTS; i++) {
                    balances += reader.readState("a" + i, BankWorkload::balance);
                }
                long[] moving = new long[1];
                for (ChannelId c : job.topology().channels()) {
                    if (!c.from().equals("ticks")) {
                        reader.forEachInFlight(c, rec -> moving[0] += Serdes.longs().deserialize(rec.value()));
                    }
                }
                assertThat(balances + moving[0]).as("checkpoint %d: balances %d + in flight %d", l.checkpointId(),
                        balances, moving[0]).isEqualTo(ACCOUNTS * BankWorkload.INITIAL_BALANCE);
            }
            assertThat(audited).as("checkpoints audited").isGreaterThan(3);
        }
    }
}
