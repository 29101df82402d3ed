package dev.cairn.core.simulation;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.protocol.ProtocolDefect;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle can fail: each deliberately broken variant must be reported within a bounded number
 * of schedules. A variant the oracle never catches would mean the simulation proves nothing.
 */
class BrokenVariantsTest {
    private static final int BOUND = 300;

    /** Runs schedules until one fails; returns its violations (or fails the test). */
    private static List<String> caught(SimulationConfig.Constraints c, long salt) {
        Random seeds = new Random(SimulationTest.BASE_SEED ^ salt);
        for (int i = 0; i < BOUND; i++) {
            SimulationResult r = SimulationTest.run(SimulationConfig.random(seeds.nextLong(), c));
            if (!r.ok()) {
                return new ArrayList<>(r.violations());
            }
        }
        throw new AssertionError("the oracle did not catch " + c + " within " + BOUND + " schedules");
    }

    private static final Pattern CHANNEL_STATE = Pattern.compile(
            "checkpoint \\d+ \\((COPY|REFERENCE)\\): channel state of \\S+ is \\[([^]]*)] but the messages sent inside "
                    + ".* are \\[([^]]*)]");
    private static final Pattern PENDING_DELETED = Pattern.compile(
            "retention deleted a file of pending checkpoint \\d+ \\(acked by '[^']+'\\); retention was run by the "
                    + "coordinator of epoch (\\d+), epoch (\\d+) is current: .*", Pattern.DOTALL);

    /**
     * Whether a channel-state violation says records are missing from the recorded channel state
     * (the recorded messages are a strict subset of those the cut requires), not extra ones.
     */
    private static boolean missesChannelState(String violation) {
        Matcher m = CHANNEL_STATE.matcher(violation);
        if (!m.matches()) {
            return false;
        }
        Set<String> recorded = ids(m.group(2));
        Set<String> expected = ids(m.group(3));
        return expected.containsAll(recorded) && expected.size() > recorded.size();
    }

    private static Set<String> ids(String list) {
        return list.isBlank() ? Set.of() : new HashSet<>(Arrays.asList(list.split(",\\s*")));
    }

    /** The epochs (of the coordinator that ran it, current) of a retention that deleted a pending file. */
    private static int[] retentionEpochs(String violation) {
        Matcher m = PENDING_DELETED.matcher(violation);
        return m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    private static SimulationConfig.Constraints unaligned(InFlightMode mode, boolean crashes) {
        return SimulationConfig.Constraints.any().withInFlight(mode).withAlignment(AlignmentMode.UNALIGNED)
                .withCrashes(crashes);
    }

    /** Protocol bugs: the coordinator's own channel checks are off, so the oracle has to find them. */
    private static SimulationConfig.Constraints broken(InFlightMode mode, ProtocolDefect defect) {
        return unaligned(mode, false).withoutCoordinatorChecks().withDefect(defect);
    }

    @Test
    void catchesInFlightRecordsNotRecorded() {
        List<String> v = caught(broken(InFlightMode.COPY, ProtocolDefect.SKIP_IN_FLIGHT_RECORDS), 11);
        assertThat(String.join("\n", v)).containsAnyOf("channel state of", "bank total", "word occurrences");
    }

    @Test
    void catchesMarkersSentAfterFurtherRecords() {
        List<String> v = caught(broken(null, ProtocolDefect.LATE_MARKERS), 12);
        assertThat(String.join("\n", v)).containsAnyOf("not a consistent cut", "channel state of");
    }

    @Test
    void catchesAMarkerClosingAnotherCheckpointsRecording() {
        List<String> v = caught(broken(InFlightMode.COPY, ProtocolDefect.MARKER_CLOSES_ALL).withMinConcurrent(2), 13);
        assertThat(String.join("\n", v)).contains("channel state of");
    }

    @Test
    void catchesReferenceRangeFromFetchPosition() {
        List<String> v = caught(broken(InFlightMode.REFERENCE, ProtocolDefect.FETCH_POSITION_AS_START), 14);
        assertThat(String.join("\n", v)).contains("channel state of");
    }

    @Test
    void catchesMissingEpochFilterAfterRestore() {
        List<String> v = caught(unaligned(null, true).withDefect(SimDefect.NO_EPOCH_FILTER), 21);
        assertThat(String.join("\n", v)).containsAnyOf("rolled-back run", "bank total", "word occurrences");
    }

    @Test
    void catchesReferenceReplayWithoutEpochFloor() {
        List<String> v = caught(unaligned(InFlightMode.REFERENCE, true).withDefect(SimDefect.RANGE_WITHOUT_EPOCH_FLOOR), 22);
        assertThat(String.join("\n", v)).containsAnyOf("rolled-back run", "bank total", "word occurrences");
    }

    @Test
    void catchesACheckpointRecordedDuringReplay() {
        // A checkpoint recorded mid-replay notes the live position while restored records are still
        // unprocessed: its channel state lacks them (DESIGN.md, "Replay first").
        List<String> v = caught(unaligned(null, true).withDefect(SimDefect.RECORD_DURING_REPLAY), 23);
        assertThat(v).as(String.join("\n", v)).anyMatch(BrokenVariantsTest::missesChannelState);
    }

    @Test
    void catchesRetentionDeletingFilesOfAPendingCheckpoint() {
        List<String> v = caught(unaligned(null, false).withMinConcurrent(2).withDefect(SimDefect.RETENTION_IGNORES_PENDING), 24);
        assertThat(v).as(String.join("\n", v)).anySatisfy(violation -> {
            int[] epochs = retentionEpochs(violation);
            assertThat(epochs).as(violation).isNotNull();
            assertThat(epochs[0]).as("the live coordinator's own retention: " + violation).isEqualTo(epochs[1]);
        });
    }

    @Test
    void catchesRetentionByAStalledCoordinatorOfAnOlderEpoch() {
        // The stalled coordinator deletes what the live epoch's pending checkpoint wrote.
        List<String> v = caught(unaligned(null, true).withDefect(SimDefect.RETENTION_WITHOUT_EPOCH_CHECK), 25);
        assertThat(v).as(String.join("\n", v)).anySatisfy(violation -> {
            int[] epochs = retentionEpochs(violation);
            assertThat(epochs).as(violation).isNotNull();
            assertThat(epochs[0]).as("retention by an older epoch's coordinator: " + violation).isLessThan(epochs[1]);
        });
    }

    @Test
    void catchesAFreshStartMissingFromTheRestoreHistory() {
        List<String> v = caught(unaligned(null, true).withDefect(SimDefect.FRESH_START_NOT_IN_HISTORY), 26);
        assertThat(String.join("\n", v)).containsAnyOf("abandoned", "never committed", "although checkpoint");
    }

    @Test
    void theCoordinatorsChannelChecksAloneKeepAMarkerClosingAnotherCheckpointFromBeingCommitted() {
        // Defence in depth: with its checks on, the coordinator refuses every checkpoint the broken
        // protocol gets wrong (the marker that closed the input is not the sender's), so nothing wrong
        // is ever committed.
        SimulationConfig.Constraints c = unaligned(InFlightMode.COPY, false).withMinConcurrent(2)
                .withDefect(ProtocolDefect.MARKER_CLOSES_ALL);
        Random seeds = new Random(SimulationTest.BASE_SEED ^ 13);
        int completed = 0;
        for (int i = 0; i < 100; i++) {
            SimulationResult r = SimulationTest.run(SimulationConfig.random(seeds.nextLong(), c));
            assertThat(r.violations()).as(r::describe).isEmpty();
            completed += r.completed();
        }
        assertThat(completed).as("checkpoints still complete where the defect did not strike").isPositive();
    }
}
