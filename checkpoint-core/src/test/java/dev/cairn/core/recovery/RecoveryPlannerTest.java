package dev.cairn.core.recovery;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.CrashSimulatingFs;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a job starts: which checkpoint, which epoch, what each input replays; and when it refuses. */
class RecoveryPlannerTest {
    private final Topology topology = Topology.builder().source("a").operator("b").channel("a", "b").build();
    private CrashSimulatingFs fs;
    private CheckpointStorage storage;

    @BeforeEach
    void setUp() {
        fs = new CrashSimulatingFs();
        storage = LocalCheckpointStorage.open(Path.of("/cp"), "job", fs, Clock.systemUTC(), new Random(3));
    }

    /** Commits a checkpoint taken in {@code epoch}, in {@code mode}. */
    private Manifest commit(long id, int epoch, InFlightMode mode, Topology t) throws Exception {
        FileRef channelState = null;
        if (mode == InFlightMode.COPY) {
            CheckpointFileWriter w = storage.createChannelStateFile(id, ChannelId.of("a", "b"));
            w.write(new byte[]{1, 2, 3});
            channelState = w.finish();
        }
        Map<String, LocalSnapshot> ops = Map.of(
                "a", new LocalSnapshot("a", id, epoch, mode, StateHandle.empty("memory"), Map.of(), Map.of("a->b", 20L),
                        Map.of("in", 5L), Map.of()),
                "b", new LocalSnapshot("b", id, epoch, mode, StateHandle.empty("memory"),
                        Map.of("a->b", new InputSnapshot(12, mode == InFlightMode.COPY ? 20 : -1, channelState,
                                mode == InFlightMode.COPY ? 3 : -1, 3)), Map.of(), Map.of(), Map.of()));
        Manifest m = new Manifest(Manifest.CURRENT_FORMAT_VERSION, "job", id, epoch, 0, mode,
                TopologyDescriptor.of(t, Map.of()), ops, Map.of(), Map.of());
        storage.commitManifest(m);
        return m;
    }

    @Test
    void aFirstStartIsFreshInEpochOneAndEntersTheRestoreHistory() {
        RecoveryPlan plan = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of("a", "i1"));
        assertThat(plan.epoch().epoch()).isEqualTo(1);
        assertThat(plan.restored()).isEmpty();
        assertThat(plan.operator("b").inputs().get(ChannelId.of("a", "b"))).isInstanceOf(InputPlan.Fresh.class);
        assertThat(storage.restoreHistory()).extracting(e -> e.epoch() + ":" + e.checkpointId()).containsExactly("1:0");
        assertThat(storage.currentEpoch().orElseThrow().roster()).containsEntry("a", "i1");
    }

    @Test
    void restoresTheLatestInANewEpochWithReferenceRangesCarryingTheCheckpointsEpoch() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        commit(2, 1, InFlightMode.REFERENCE, topology);
        RecoveryPlan plan = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        assertThat(plan.restoredCheckpointId()).isEqualTo(2);
        assertThat(plan.epoch().epoch()).isEqualTo(2);
        assertThat(plan.operator("b").inputs().get(ChannelId.of("a", "b"))).isEqualTo(new InputPlan.Range(12, 20, 1));
        assertThat(plan.operator("a").sourceOffsets()).containsEntry("in", 5L);
    }

    @Test
    void copyModeReplaysTheFileThenReadsLiveFromTheSendersMarker() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        Manifest m = commit(1, 1, InFlightMode.COPY, topology);
        RecoveryPlan plan = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        InputPlan.Copied copied = (InputPlan.Copied) plan.operator("b").inputs().get(ChannelId.of("a", "b"));
        assertThat(copied.file()).isEqualTo(m.operators().get("b").inputs().get("a->b").channelState());
        assertThat(copied.liveFrom()).isEqualTo(20);
    }

    @Test
    void refusesToStartFreshWhenTheRestoredCheckpointIsGone() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of()); // restores 1 in epoch 2
        fs.delete(Path.of("/cp/job/chk-1/MANIFEST"));
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of()))
                .isInstanceOfSatisfying(CairnException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CairnException.Reason.NO_VALID_CHECKPOINT);
                    assertThat(e.getMessage()).contains("restored checkpoint 1 in epoch 2").contains("force a fresh start");
                });
    }

    @Test
    void refusesToStartFreshWhenEveryCheckpointIsCorrupt() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.COPY, topology);
        fs.delete(Path.of("/cp/job/chk-1/channels/a--b"));
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of()))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.getMessage())
                        .contains("has checkpoints but none is valid").contains("checkpoint 1 CORRUPT"));
    }

    @Test
    void refusesAnEpochRecordWithoutRestoreHistory() throws Exception {
        storage.beginEpoch(0, Map.of());
        fs.delete(Path.of("/cp/job/RESTORES"));
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of()))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.getMessage())
                        .contains("existed (epoch 1)").contains("no restore history"));
    }

    @Test
    void aJobThatNeverCompletedACheckpointSinceItsFreshStartRestartsFresh() {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        RecoveryPlan again = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        assertThat(again.restored()).isEmpty();
        assertThat(again.epoch().epoch()).isEqualTo(2);
        assertThat(storage.restoreHistory()).extracting(e -> e.epoch() + ":" + e.checkpointId()).containsExactly("1:0", "2:0");
    }

    @Test
    void aForcedFreshStartAbandonsEveryCheckpointEvenAValidOne() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        RecoveryPlan forced = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest().withForceFresh(true), Map.of());
        assertThat(forced.restored()).isEmpty();
        RecoveryPlan next = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        assertThat(next.restored()).as("checkpoint 1 is on an abandoned branch now").isEmpty();
    }

    @Test
    void restoresAChosenOlderCheckpoint() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        commit(2, 1, InFlightMode.REFERENCE, topology);
        RecoveryPlan plan = RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest().withCheckpoint(1), Map.of());
        assertThat(plan.restoredCheckpointId()).isEqualTo(1);
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest().withCheckpoint(9), Map.of()))
                .hasMessageContaining("checkpoint 9 of job 'job' does not exist");
    }

    @Test
    void refusesAnotherTopologyListingEveryDifferenceUnlessMapped() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        Topology renamed = Topology.builder().source("a").operator("c").operator("d").channel("a", "c").build();
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, renamed, RecoveryOptions.latest(), Map.of()))
                .isInstanceOfSatisfying(CairnException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CairnException.Reason.INCOMPATIBLE_RESTORE);
                    assertThat(e.getMessage()).contains("operator 'b' is in the checkpoint but not in the job")
                            .contains("operator 'c' is in the job but not in the checkpoint")
                            .contains("operator 'd' is in the job")
                            .contains("channel 'a->b' is in the checkpoint");
                });
        Topology justRenamed = Topology.builder().source("a").operator("c").channel("a", "c").build();
        RecoveryPlan plan = RecoveryPlanner.plan(storage, justRenamed,
                RecoveryOptions.latest().withMapping(new RestoreMapping(Map.of("b", "c"), Map.of())), Map.of());
        assertThat(plan.operator("c").inputs().get(ChannelId.of("a", "c"))).isEqualTo(new InputPlan.Range(12, 20, 1));
    }

    @Test
    void aDifferentStateLayoutIsRefusedUnlessMapped() {
        assertThatThrownBy(() -> RecoveryPlanner.checkStateLayout(4, "b", List.of("balance"), Set.of("balances"),
                RestoreMapping.none()))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.getMessage())
                        .contains("operator 'b' cannot restore checkpoint 4")
                        .contains("state 'balance' is in the checkpoint but not in the job")
                        .contains("state 'balances' is in the job but not in the checkpoint"));
        RecoveryPlanner.checkStateLayout(4, "b", List.of("balance"), Set.of("balances"),
                new RestoreMapping(Map.of(), Map.of("b", Map.of("balance", "balances"))));
    }

    @Test
    void refusesToFallBackPastACheckpointOfANewerFormat() throws Exception {
        RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of());
        commit(1, 1, InFlightMode.REFERENCE, topology);
        commit(2, 1, InFlightMode.REFERENCE, topology);
        Path manifest = Path.of("/cp/job/chk-2/MANIFEST");
        byte[] bytes;
        try (var in = fs.newInputStream(manifest)) {
            bytes = in.readAllBytes();
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).replace("\"formatVersion\" : 1", "\"formatVersion\" : 2");
        int at = text.lastIndexOf("\"checksum\"");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(text.substring(0, at).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        text = text.substring(0, at) + text.substring(at).replaceFirst("[0-9a-f]{8}", String.format("%08x", crc.getValue()));
        try (var out = fs.overwrite(manifest)) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest(), Map.of()))
                .isInstanceOfSatisfying(CairnException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CairnException.Reason.INCOMPATIBLE_RESTORE);
                    assertThat(e.getMessage()).contains("checkpoint 2 was written by a newer cairn")
                            .contains("restore the older checkpoint 1");
                });
        assertThat(RecoveryPlanner.plan(storage, topology, RecoveryOptions.latest().withCheckpoint(1), Map.of())
                .restoredCheckpointId()).isEqualTo(1);
    }
}
