package dev.cairn.core.coordinator;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.CrashSimulatingFs;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.topology.Topology;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The coordinator's schedule and decisions, with time driven by the test (no sleeping). */
class CheckpointCoordinatorTest {
    private final Topology topology = Topology.builder().source("a").operator("b").channel("a", "b").build();
    private final List<String> sent = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private CheckpointStorage storage;
    private CrashSimulatingFs fs;
    private long now;
    private int epoch;

    private final CoordinatorTransport transport = new CoordinatorTransport() {
        @Override
        public void trigger(int e, long id, Set<String> operators) {
            sent.add("trigger " + id + " " + new java.util.TreeSet<>(operators));
        }

        @Override
        public void notifyComplete(int e, long upTo) {
            sent.add("complete " + upTo);
        }

        @Override
        public void abort(int e, long id) {
            sent.add("abort " + id);
        }
    };

    private final TimeSource time = new TimeSource() {
        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long currentTimeMillis() {
            return 1_000 + now / 1_000_000;
        }
    };

    @BeforeEach
    void setUp() {
        fs = new CrashSimulatingFs();
        storage = LocalCheckpointStorage.open(Path.of("/cp"), "job", fs,
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), new Random(1));
        epoch = storage.beginEpoch(0, Map.of()).epoch();
    }

    private CheckpointCoordinator coordinator(CheckpointConfig config) {
        return CheckpointCoordinator.builder().topology(topology).config(config).storage(storage).transport(transport)
                .time(time).registry(registry).epoch(epoch)
                .listener(new CoordinatorListener() {
                    @Override
                    public void onFailed(long checkpointId, String reason) {
                        failed.add(checkpointId + ": " + reason);
                    }
                }).build();
    }

    private static CheckpointConfig.Builder config() {
        return CheckpointConfig.builder().interval(Duration.ofMillis(100)).timeout(Duration.ofSeconds(1));
    }

    private void advance(long millis) {
        now += millis * 1_000_000;
    }

    /** Acks checkpoint {@code id} for both operators with consistent channel ends. */
    private void ackBoth(CheckpointCoordinator c, int ackEpoch, long id) {
        c.onAck(ackEpoch, "a", id, local("a", id, ackEpoch, Map.of(), Map.of("a->b", 10L)));
        c.onAck(ackEpoch, "b", id, local("b", id, ackEpoch, Map.of("a->b", new InputSnapshot(7, 10, null, 0, 0)), Map.of()));
    }

    private FileRef local(String op, long id, int e, Map<String, InputSnapshot> in, Map<String, Long> out) {
        return storage.writeLocalSnapshot(new LocalSnapshot(op, id, Math.max(1, e), InFlightMode.COPY,
                StateHandle.empty("memory"), in, out, Map.of(), Map.of()));
    }

    @Test
    void triggersOnTheIntervalAfterPersistingTheId() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        assertThat(sent).containsExactly("trigger 1 [a, b]");
        advance(50);
        c.tick();
        assertThat(sent).hasSize(1);
        ackBoth(c, epoch, 1);
        advance(50);
        c.tick();
        assertThat(sent).containsExactly("trigger 1 [a, b]", "complete 1", "trigger 2 [a, b]");
        assertThat(storage.allocateCheckpointId()).as("ids are persisted before triggering").isEqualTo(3);
    }

    @Test
    void completesWithAManifestOfItsEpochAndAnnouncesIt() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        ackBoth(c, epoch, 1);
        assertThat(c.latestCompleted()).isEqualTo(1);
        LatestResult latest = storage.latest(true);
        assertThat(latest).isInstanceOf(LatestResult.Found.class);
        Manifest m = ((LatestResult.Found) latest).manifest();
        assertThat(m.epoch()).isEqualTo(epoch);
        assertThat(m.operators()).containsOnlyKeys("a", "b");
        assertThat(registry.get("cairn.checkpoint.completed").counter().count()).isEqualTo(1);
        assertThat(storage.history()).extracting(h -> h.status()).containsExactly("COMPLETED");
    }

    @Test
    void respectsMaxConcurrentAndMinPause() {
        CheckpointCoordinator c = coordinator(config().maxConcurrent(2).minPause(Duration.ofMillis(60)).build());
        c.tick();
        advance(100);
        c.tick();
        advance(100);
        c.tick();
        assertThat(sent).as("two pending at most").containsExactly("trigger 1 [a, b]", "trigger 2 [a, b]");
        ackBoth(c, epoch, 2);
        assertThat(sent).contains("complete 2", "abort 1");
        advance(30);
        c.tick();
        assertThat(sent).as("minimum pause after a completion").doesNotContain("trigger 3 [a, b]");
        advance(30);
        c.tick();
        assertThat(sent).contains("trigger 3 [a, b]");
    }

    @Test
    void completingACheckpointAbortsThePendingOnesBelowIt() {
        CheckpointCoordinator c = coordinator(config().maxConcurrent(3).build());
        c.tick();
        advance(100);
        c.tick();
        advance(100);
        c.tick();
        ackBoth(c, epoch, 3);
        assertThat(sent).containsSubsequence("complete 3", "abort 1", "abort 2");
        assertThat(c.pendingIds()).isEmpty();
        assertThat(registry.get("cairn.checkpoint.aborted").counter().count()).isEqualTo(2);
    }

    @Test
    void abortsACheckpointPastItsTimeout() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        c.onAck(epoch, "a", 1, local("a", 1, epoch, Map.of(), Map.of("a->b", 10L)));
        advance(1_000);
        c.tick();
        assertThat(sent).contains("abort 1");
        assertThat(failed).singleElement().asString().contains("timed out").contains("acks from [b]");
    }

    @Test
    void ignoresAcksAndDeclinesOfAnotherEpoch() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        ackBoth(c, epoch + 7, 1);
        c.onDecline(epoch - 1, "a", 1, "stale");
        assertThat(c.latestCompleted()).isZero();
        assertThat(c.pendingIds()).containsExactly(1L);
        assertThat(c.ignoredMessages()).isEqualTo(3);
    }

    @Test
    void failsTheJobAfterTooManyConsecutiveFailures() {
        CheckpointCoordinator c = coordinator(config().tolerableFailures(1).build());
        c.tick();
        c.onDecline(epoch, "b", 1, "disk full");
        advance(100);
        c.tick();
        assertThat(c.failure()).isEmpty();
        c.onDecline(epoch, "b", 2, "disk full");
        assertThat(c.failure()).hasValueSatisfying(e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.CHECKPOINT_FAILED);
            assertThat(e.getMessage()).contains("declined by 'b': disk full").contains("tolerableFailures=1");
        });
        advance(100);
        c.tick();
        assertThat(sent).doesNotContain("trigger 3 [a, b]");
    }

    @Test
    void aSuccessResetsTheConsecutiveFailures() {
        CheckpointCoordinator c = coordinator(config().tolerableFailures(1).build());
        c.tick();
        c.onDecline(epoch, "b", 1, "x");
        advance(100);
        c.tick();
        ackBoth(c, epoch, 2);
        advance(100);
        c.tick();
        c.onDecline(epoch, "b", 3, "x");
        assertThat(c.failure()).isEmpty();
    }

    @Test
    void refusesAnInconsistentChannelBeforeCommitting() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        c.onAck(epoch, "a", 1, local("a", 1, epoch, Map.of(), Map.of("a->b", 10L)));
        c.onAck(epoch, "b", 1, local("b", 1, epoch, Map.of("a->b", new InputSnapshot(12, 12, null, 0, 0)), Map.of()));
        assertThat(failed).singleElement().asString().contains("channel a->b is inconsistent");
        assertThat(storage.latest(false)).isNotInstanceOf(LatestResult.Found.class);
    }

    @Test
    void aFencedCoordinatorCommitsNothing() {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        storage.beginEpoch(0, Map.of()); // a newer epoch began meanwhile
        ackBoth(c, epoch, 1);
        assertThat(c.failure()).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.FENCED));
        assertThat(storage.latest(false)).isNotInstanceOf(LatestResult.Found.class);
        assertThat(sent).doesNotContain("complete 1");
    }

    @Test
    void withoutPeriodicCheckpointsOnlyExplicitTriggersHappen() {
        CheckpointCoordinator c = coordinator(config().periodic(false).build());
        for (int i = 0; i < 5; i++) {
            advance(200);
            c.tick();
        }
        assertThat(sent).isEmpty();
        assertThat(c.trigger()).isEqualTo(1);
        assertThat(sent).containsExactly("trigger 1 [a, b]");
    }

    @Test
    void aStorageFailureAllocatingAnIdIsAFailedCheckpointNotACrash() {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        dev.cairn.core.storage.FaultInjectingFs faulty = new dev.cairn.core.storage.FaultInjectingFs(fs);
        storage = LocalCheckpointStorage.open(Path.of("/cp2"), "job", faulty, Clock.systemUTC(), new Random(2));
        epoch = storage.beginEpoch(0, Map.of()).epoch();
        CheckpointCoordinator c = coordinator(config().build());
        faulty.failWrites();
        c.tick();
        assertThat(sent).isEmpty();
        assertThat(registry.get("cairn.checkpoint.failed").counter().count()).isEqualTo(1);
        faulty.heal();
        advance(100);
        c.tick();
        assertThat(sent).containsExactly("trigger 1 [a, b]");
    }

    // ------------------------------------------------------------ an ack whose files are not there

    /** A state file of {@code bytes} bytes, written through the storage as a backend would. */
    private FileRef stateFile(long id, String op, int bytes) throws IOException {
        try (CheckpointFileWriter w = storage.createPrivateFile(id, op, "state-" + bytes)) {
            w.write(new byte[bytes]);
            return w.finish();
        }
    }

    /** Acks {@code id} for both operators; b's snapshot references {@code bFiles}. */
    private FileRef ackAAndLocalOfB(CheckpointCoordinator c, long id, List<FileRef> bFiles) {
        c.onAck(epoch, "a", id, local("a", id, epoch, Map.of(), Map.of("a->b", 10L)));
        return storage.writeLocalSnapshot(new LocalSnapshot("b", id, epoch, InFlightMode.COPY,
                new StateHandle("memory", bFiles, Map.of()), Map.of("a->b", new InputSnapshot(7, 10, null, 0, 0)),
                Map.of(), Map.of(), Map.of()));
    }

    private Path onDisk(FileRef ref) {
        return Path.of("/cp/job").resolve(ref.path());
    }

    private void truncate(FileRef ref, int keep) throws IOException {
        try (OutputStream out = fs.overwrite(onDisk(ref))) {
            out.write(new byte[keep]);
        }
        fs.fsync(onDisk(ref));
    }

    /**
     * After checkpoint 1 failed because of {@code expectedFault} in {@code file}: nothing of it was
     * committed or announced, the failure names the file, and checkpoint 2 completes.
     */
    private void assertFailedWithoutManifestThenNextCompletes(CheckpointCoordinator c, FileRef file, String expectedFault)
            throws IOException {
        assertThat(failed).singleElement().asString().startsWith("1: ").contains(file.path()).contains(expectedFault);
        assertThat(c.pendingIds()).isEmpty();
        assertThat(c.latestCompleted()).isZero();
        assertThat(sent).contains("abort 1").doesNotContain("complete 1");
        assertThat(fs.list(Path.of("/cp/job/chk-1"))).as("no manifest, not even a temporary one")
                .noneMatch(name -> name.contains("MANIFEST"));
        assertThat(storage.latest(false)).isNotInstanceOf(LatestResult.Found.class);
        assertThat(storage.history()).singleElement().satisfies(h -> {
            assertThat(h.status()).isEqualTo("FAILED");
            assertThat(h.checkpointId()).isEqualTo(1);
            assertThat(h.reason()).contains(file.path());
        });
        assertThat(registry.get("cairn.checkpoint.failed").counter().count()).isEqualTo(1);

        advance(100);
        c.tick();
        assertThat(sent).contains("trigger 2 [a, b]");
        ackBoth(c, epoch, 2);
        assertThat(c.latestCompleted()).isEqualTo(2);
        assertThat(storage.latest(true)).isInstanceOfSatisfying(LatestResult.Found.class,
                f -> assertThat(f.manifest().checkpointId()).isEqualTo(2));
        assertThat(c.failure()).isEmpty();
    }

    @Test
    void anAckWhoseLocalSnapshotIsMissingFailsTheCheckpointWithoutAManifest() throws IOException {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        FileRef local = ackAAndLocalOfB(c, 1, List.of());
        fs.delete(onDisk(local));
        c.onAck(epoch, "b", 1, local);
        assertFailedWithoutManifestThenNextCompletes(c, local, "is missing");
    }

    @Test
    void anAckWhoseLocalSnapshotIsShorterThanRecordedFailsTheCheckpointWithoutAManifest() throws IOException {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        FileRef local = ackAAndLocalOfB(c, 1, List.of());
        truncate(local, (int) local.size() - 1);
        c.onAck(epoch, "b", 1, local);
        assertFailedWithoutManifestThenNextCompletes(c, local,
                "expected " + local.size() + " bytes with crc32c " + local.crc32cHex() + ", found " + (local.size() - 1));
    }

    @Test
    void anAckReferencingAMissingStateFileFailsTheCheckpointWithoutAManifest() throws IOException {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        FileRef state = stateFile(1, "b", 64);
        FileRef local = ackAAndLocalOfB(c, 1, List.of(state));
        fs.delete(onDisk(state));
        c.onAck(epoch, "b", 1, local);
        assertFailedWithoutManifestThenNextCompletes(c, state, "is missing");
    }

    @Test
    void anAckReferencingAStateFileShorterThanRecordedFailsTheCheckpointWithoutAManifest() throws IOException {
        CheckpointCoordinator c = coordinator(config().build());
        c.tick();
        FileRef state = stateFile(1, "b", 64);
        FileRef local = ackAAndLocalOfB(c, 1, List.of(state));
        truncate(state, 40);
        c.onAck(epoch, "b", 1, local);
        assertFailedWithoutManifestThenNextCompletes(c, state, "has 40 bytes, 64 were recorded");
    }

    // ------------------------------------------------------------ metrics

    /** Acks {@code id}; each operator's state is one file of the given size. Returns the manifest. */
    private Manifest completeWithStateFiles(CheckpointCoordinator c, long id, int aBytes, int bBytes) throws IOException {
        FileRef aState = stateFile(id, "a", aBytes);
        FileRef bState = stateFile(id, "b", bBytes);
        c.onAck(epoch, "a", id, storage.writeLocalSnapshot(new LocalSnapshot("a", id, epoch, InFlightMode.COPY,
                new StateHandle("memory", List.of(aState), Map.of()), Map.of(), Map.of("a->b", 10L), Map.of(), Map.of())));
        c.onAck(epoch, "b", id, storage.writeLocalSnapshot(new LocalSnapshot("b", id, epoch, InFlightMode.COPY,
                new StateHandle("memory", List.of(bState), Map.of()), Map.of("a->b", new InputSnapshot(7, 10, null, 0, 0)),
                Map.of(), Map.of(), Map.of())));
        assertThat(c.latestCompleted()).isEqualTo(id);
        return storage.readManifest(id);
    }

    private double gauge(String name) {
        return registry.get(name).tag("job", "job").gauge().value();
    }

    @Test
    void metricsCarrySizeDurationAndTheLastCompletedCheckpoint() throws IOException {
        CheckpointCoordinator c = coordinator(config().build());
        assertThat(gauge("cairn.checkpoint.last.completed.id")).as("nothing completed yet").isZero();

        c.tick();
        advance(30);
        Manifest first = completeWithStateFiles(c, 1, 100, 20);
        assertThat(first.totalBytes()).isEqualTo(120);
        DistributionSummary size = registry.get("cairn.checkpoint.size").tag("job", "job").summary();
        assertThat(size.count()).isEqualTo(1);
        assertThat(size.totalAmount()).isEqualTo(120);
        assertThat(gauge("cairn.checkpoint.last.completed.id")).isEqualTo(1);
        assertThat(gauge("cairn.checkpoint.last.completed.time")).isEqualTo(first.createdAtMillis()).isEqualTo(1_030);

        advance(70);
        c.tick();
        advance(45);
        Manifest second = completeWithStateFiles(c, 2, 7, 3_000);
        assertThat(size.count()).isEqualTo(2);
        assertThat(size.totalAmount()).isEqualTo(first.totalBytes() + second.totalBytes()).isEqualTo(3_127);
        assertThat(size.max()).isEqualTo(3_007);
        assertThat(gauge("cairn.checkpoint.last.completed.id")).isEqualTo(2);
        assertThat(gauge("cairn.checkpoint.last.completed.time")).isEqualTo(second.createdAtMillis()).isEqualTo(1_145);
        Timer duration = registry.get("cairn.checkpoint.duration").tag("job", "job").timer();
        assertThat(duration.count()).isEqualTo(2);
        assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).as("30 ms + 45 ms of injected time").isEqualTo(75);
        assertThat(registry.get("cairn.checkpoint.completed").counter().count()).isEqualTo(2);

        advance(100);
        c.tick();
        c.onDecline(epoch, "b", 3, "disk full");
        assertThat(gauge("cairn.checkpoint.last.completed.id")).as("a failure leaves the gauges alone").isEqualTo(2);
        assertThat(gauge("cairn.checkpoint.last.completed.time")).isEqualTo(1_145);
        assertThat(size.count()).isEqualTo(2);
    }

    @Test
    void metricsSharedByTheCoordinatorsOfSuccessiveEpochsFollowTheLatestOne() throws IOException {
        CoordinatorMetrics shared = new CoordinatorMetrics(registry, "job");
        CheckpointCoordinator first = CheckpointCoordinator.builder().topology(topology).config(config().build())
                .storage(storage).transport(transport).time(time).metrics(shared).epoch(epoch).build();
        first.tick();
        completeWithStateFiles(first, 1, 10, 10);
        first.close();

        epoch = storage.beginEpoch(1, Map.of()).epoch();
        CheckpointCoordinator second = CheckpointCoordinator.builder().topology(topology).config(config().build())
                .storage(storage).transport(transport).time(time).metrics(shared).epoch(epoch).restoredCheckpoint(1)
                .build();
        advance(10);
        second.tick();
        long id = second.pendingIds().iterator().next();
        Manifest m = completeWithStateFiles(second, id, 5, 6);
        assertThat(gauge("cairn.checkpoint.last.completed.id")).isEqualTo(id).isGreaterThan(1);
        assertThat(gauge("cairn.checkpoint.last.completed.time")).isEqualTo(m.createdAtMillis());
        assertThat(registry.get("cairn.checkpoint.size").tag("job", "job").summary().totalAmount()).isEqualTo(20 + 11);
    }
}
