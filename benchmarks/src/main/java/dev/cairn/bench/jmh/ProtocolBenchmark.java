package dev.cairn.bench.jmh;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.protocol.DeclineReason;
import dev.cairn.core.protocol.LocalSnapshotDraft;
import dev.cairn.core.protocol.OperatorProtocol;
import dev.cairn.core.protocol.ProtocolPort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The protocol's per-record path, without any I/O: what a record costs on a channel no checkpoint
 * records, on a channel a copy-mode checkpoint records (the port's append is a no-op here, so this
 * is the protocol's own cost), and one whole checkpoint cycle at a two-input operator (trigger,
 * markers, state done, marker acknowledged, completion).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProtocolBenchmark {
    private static final StateHandle STATE = StateHandle.empty("memory");

    /** A port that does nothing but count, so only the protocol is measured. */
    static final class NullPort implements ProtocolPort {
        long appends;

        @Override
        public Map<String, Long> snapshotState(long checkpointId) {
            return Map.of();
        }

        @Override
        public void sendMarker(long checkpointId, int output) {
        }

        @Override
        public void appendChannelState(long checkpointId, int input, long offset) {
            appends++;
        }

        @Override
        public void closeChannelState(long checkpointId, int input) {
        }

        @Override
        public void holdInput(int input, long position) {
        }

        @Override
        public void releaseInput(int input) {
        }

        @Override
        public void reportReady(LocalSnapshotDraft draft) {
        }

        @Override
        public void decline(long checkpointId, DeclineReason reason, String detail) {
        }

        @Override
        public void discard(long checkpointId) {
        }
    }

    private NullPort port;
    private OperatorProtocol idle;
    private OperatorProtocol recording;
    private OperatorProtocol cycling;
    private long offset;
    private long nextCheckpoint;

    @Setup(Level.Trial)
    public void setUp() {
        port = new NullPort();
        idle = OperatorProtocol.builder("idle", port).inputs(2).outputs(1).inFlightMode(InFlightMode.COPY).build();
        idle.startLive(new long[2]);
        recording = OperatorProtocol.builder("recording", port).inputs(2).outputs(1).inFlightMode(InFlightMode.COPY).build();
        recording.startLive(new long[2]);
        recording.onTrigger(1); // recording stays open on both inputs: no marker ever arrives
        cycling = OperatorProtocol.builder("cycling", port).inputs(2).outputs(1).inFlightMode(InFlightMode.COPY).build();
        cycling.startLive(new long[2]);
        nextCheckpoint = 1;
    }

    @Benchmark
    public void recordOnAChannelNoCheckpointRecords() {
        idle.onRecord(0, offset++);
    }

    @Benchmark
    public void recordOnAChannelACheckpointRecords() {
        recording.onRecord(1, offset++);
    }

    @Benchmark
    public void wholeCheckpointCycleAtATwoInputOperator(Blackhole bh) {
        long n = nextCheckpoint++;
        cycling.onTrigger(n);
        cycling.onRecord(0, offset++);
        cycling.onMarker(0, offset++, n);
        cycling.onMarker(1, offset++, n);
        cycling.onStateSnapshotDone(n, STATE);
        cycling.onMarkerSent(n, 0, offset);
        cycling.onComplete(n);
        bh.consume(cycling.lastRecorded());
    }
}
