package dev.cairn.core.coordinator;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.CrashSimulatingFs;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.topology.Topology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

import static org.assertj.core.api.Assertions.assertThat;

/** The coordinator's schedule and decisions, with time driven by the test (no sleeping). */
class CheckpointCoordinatorTest {
    private final Topology topology = Topology.builder().source("a").operator("b").channel("a", "b").build();
    private final List<String> sent = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private CheckpointStorage storage;
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
        storage = LocalCheckpointStorage.open(Path.of("/cp"), "job", new CrashSimulatingFs(),
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
}
