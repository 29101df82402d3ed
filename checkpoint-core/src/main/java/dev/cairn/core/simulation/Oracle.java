package dev.cairn.core.simulation;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Checks every snapshot and every restore of a simulation run against its own bookkeeping. It
 * shares no code with the protocol: it watches messages being sent and processed (with vector
 * clocks), notes each operator's cut when it records, and when a checkpoint completes it checks
 *
 * <ol>
 *   <li>the cut is consistent: if a receive is inside the cut, its send is too (vector clocks);</li>
 *   <li>each channel's state is exactly the messages sent inside the sender's cut and processed
 *       outside the receiver's cut, in order (for reference mode: what the offset range denotes);</li>
 *   <li>the workload's invariant.</li>
 * </ol>
 *
 * On every receive it checks exactly-once delivery per channel (the message processed is the next
 * one its sender sent in the surviving history: none lost, duplicated, reordered or from a run
 * that was rolled back). On every restore it checks that the checkpoint was complete, not on an
 * abandoned branch and not older than the latest one committed, and that each restored state
 * equals the state at the cut.
 */
public final class Oracle {
    /** Pseudo-channel name prefix for an external input. */
    static final String EXTERNAL = "ext:";

    private final Topology topology;
    private final Workload workload;
    private final List<String> operatorIds;
    private final Map<String, Integer> index = new HashMap<>();
    private final List<String> violations = new ArrayList<>();

    /** The surviving ("logical") history of each operator. */
    private final Map<String, History> history = new HashMap<>();
    /** Messages of every external input, in order: never rolled back. */
    private final Map<String, List<Long>> external = new HashMap<>();
    /** Per checkpoint id, per operator, the cut taken when it recorded. */
    private final TreeMap<Long, Map<String, History>> cuts = new TreeMap<>();
    /** Per checkpoint id, the epoch in which it was recorded (first cut). */
    private final Map<Long, Integer> cutEpoch = new HashMap<>();
    /** Checkpoints whose manifest commit returned (durable), with the epoch they were taken in. */
    private final TreeMap<Long, Integer> committed = new TreeMap<>();
    /** Checkpoints the coordinator tried to commit (all acks present). */
    private final TreeMap<Long, Integer> attempted = new TreeMap<>();
    /** Restores so far: (epoch, checkpoint). */
    private final List<long[]> restores = new ArrayList<>();
    private int checkedSnapshots;
    private int checkedRestores;
    private int currentEpoch;

    Oracle(Topology topology, Workload workload) {
        this.topology = topology;
        this.workload = workload;
        this.operatorIds = new ArrayList<>(new TreeSet<>(topology.operatorIds()));
        for (int i = 0; i < operatorIds.size(); i++) {
            index.put(operatorIds.get(i), i);
        }
        resetHistories();
    }

    private void resetHistories() {
        history.clear();
        for (String id : operatorIds) {
            history.put(id, new History(operatorIds.size()));
        }
    }

    public List<String> violations() {
        return violations;
    }

    public int checkedSnapshots() {
        return checkedSnapshots;
    }

    public int checkedRestores() {
        return checkedRestores;
    }

    void violation(String message) {
        if (violations.size() < 50) {
            violations.add(message);
        }
    }

    void externalMessages(String input, List<Long> msgIds) {
        external.put(input, new ArrayList<>(msgIds));
    }

    // ------------------------------------------------------------------------------------ live run

    /** {@code op} starts processing one record (an event of its own). */
    long[] beginEvent(String op) {
        History h = history.get(op);
        h.vc[index.get(op)]++;
        return h.vc;
    }

    /** The vector clock to attach to a message {@code op} sends now. */
    long[] clockForSend(String op) {
        return history.get(op).vc.clone();
    }

    void onSend(String op, ChannelId channel, long msgId) {
        history.get(op).sent.computeIfAbsent(channel.toString(), k -> new ArrayList<>()).add(msgId);
    }

    /** {@code op} processes message {@code msgId} from channel (or external input) {@code from}. */
    void onReceive(String op, String from, long msgId, long[] sendClock) {
        History h = history.get(op);
        List<Long> sent;
        String sender = null;
        if (from.startsWith(EXTERNAL)) {
            sent = external.getOrDefault(from.substring(EXTERNAL.length()), List.of());
        } else {
            sender = ChannelId.parse(from).from();
            sent = history.get(sender).sent.getOrDefault(from, List.of());
        }
        int next = h.processed.getOrDefault(from, 0);
        if (next >= sent.size() || sent.get(next) != msgId) {
            violation("'" + op + "' processed message " + msgId + " from " + from + " but the next one sent there in"
                    + " the surviving history is " + (next < sent.size() ? "message " + sent.get(next) : "none")
                    + " (position " + next + "): a record was lost, duplicated, reordered or taken from a rolled-back run");
        }
        h.processed.put(from, next + 1);
        if (sendClock != null && sendClock.length == h.vc.length) {
            long[] vc = h.vc;
            for (int i = 0; i < vc.length; i++) {
                vc[i] = Math.max(vc[i], sendClock[i]);
            }
        }
    }

    /** {@code op} records checkpoint {@code id} now, in {@code epoch}; {@code view} is its state. */
    void onCut(String op, long id, int epoch, Object view) {
        History cut = history.get(op).copy();
        cut.view = view;
        cuts.computeIfAbsent(id, k -> new HashMap<>()).put(op, cut);
        cutEpoch.putIfAbsent(id, epoch);
        while (cuts.size() > 200) {
            cuts.pollFirstEntry();
        }
    }

    // ------------------------------------------------------------------------------------ checkpoints

    void onCommitAttempt(long id, int epoch) {
        attempted.put(id, epoch);
    }

    /**
     * Checkpoint {@code m} is committed; {@code inFlightOf} reads the in-flight messages of a
     * channel as (msgId, value) pairs the way a restore would.
     */
    void onCommitted(Manifest m, Function<ChannelId, List<SimRecord>> inFlightOf) {
        committed.put(m.checkpointId(), m.epoch());
        if (m.epoch() < currentEpoch) {
            // Committed late by a coordinator that stalled: its branch was abandoned by the restore that
            // started the current epoch, and it must never be restored (checked at every restore).
            return;
        }
        Map<String, History> cut = cuts.get(m.checkpointId());
        if (cut == null || cut.size() != operatorIds.size()) {
            violation("checkpoint " + m.checkpointId() + " committed but the oracle saw "
                    + (cut == null ? "no operator" : "only " + new TreeSet<>(cut.keySet())) + " record it");
            return;
        }
        checkedSnapshots++;
        // (1) consistency by vector clocks: no operator's cut knows of an event of P beyond P's cut.
        for (String q : operatorIds) {
            for (String p : operatorIds) {
                long knows = cut.get(q).vc[index.get(p)];
                long has = cut.get(p).vc[index.get(p)];
                if (knows > has) {
                    violation("checkpoint " + m.checkpointId() + " is not a consistent cut: '" + q + "' has seen "
                            + knows + " events of '" + p + "', whose cut holds only " + has);
                }
            }
        }
        // (2) channel state = sent inside the sender's cut, processed outside the receiver's cut.
        Map<ChannelId, List<byte[]>> inFlightValues = new LinkedHashMap<>();
        for (ChannelId c : topology.channels()) {
            String name = c.toString();
            List<Long> sentAtCut = cut.get(c.from()).sent.getOrDefault(name, List.of());
            int processedAtCut = cut.get(c.to()).processed.getOrDefault(name, 0);
            List<Long> expected = processedAtCut <= sentAtCut.size()
                    ? sentAtCut.subList(processedAtCut, sentAtCut.size()) : List.of();
            List<SimRecord> actualRecords = inFlightOf.apply(c);
            List<Long> actual = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (SimRecord r : actualRecords) {
                actual.add(r.msgId());
                values.add(r.value());
            }
            if (!actual.equals(expected)) {
                violation("checkpoint " + m.checkpointId() + " (" + m.inFlightMode() + "): channel state of " + c
                        + " is " + abbreviate(actual) + " but the messages sent inside '" + c.from()
                        + "''s cut and processed outside '" + c.to() + "''s cut are " + abbreviate(expected));
            }
            inFlightValues.put(c, values);
        }
        // (3) the workload's invariant.
        Map<String, Object> views = new HashMap<>();
        Map<String, Long> extOffsets = new HashMap<>();
        for (String op : operatorIds) {
            views.put(op, cut.get(op).view);
            LocalSnapshot s = m.operators().get(op);
            if (s != null) {
                extOffsets.putAll(s.sourceOffsets());
            }
        }
        for (String v : workload.checkSnapshot(views, inFlightValues, extOffsets)) {
            violation("checkpoint " + m.checkpointId() + ": " + v);
        }
        // The snapshot's own claims about positions agree with the oracle's processed counts.
        if (m.inFlightMode() == InFlightMode.COPY) {
            for (LocalSnapshot s : m.operators().values()) {
                for (Map.Entry<String, InputSnapshot> in : s.inputs().entrySet()) {
                    if (in.getValue().closedAt() < 0) {
                        violation("checkpoint " + m.checkpointId() + ": copy-mode input " + in.getKey() + " of '"
                                + s.operatorId() + "' was never closed");
                    }
                }
            }
        }
    }

    private static String abbreviate(List<Long> ids) {
        if (ids.size() <= 12) {
            return ids.toString();
        }
        return ids.subList(0, 6) + "..." + ids.subList(ids.size() - 3, ids.size()) + " (" + ids.size() + " messages)";
    }

    // ------------------------------------------------------------------------------------ restores

    /** Whether checkpoint (epoch, id) is on a branch abandoned by a restore the oracle saw. */
    private boolean abandoned(int epoch, long id) {
        for (long[] r : restores) {
            if (r[0] > epoch && id > r[1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * A restore of checkpoint {@code id} (0 = fresh start) in {@code epoch}. Resets every
     * operator's history to its cut.
     */
    void onRestore(int epoch, long id, boolean forcedFresh) {
        checkedRestores++;
        currentEpoch = epoch;
        if (id == 0) {
            if (!forcedFresh) {
                long best = bestCommitted();
                if (best > 0) {
                    violation("fresh start in epoch " + epoch + " although checkpoint " + best + " was committed");
                }
            }
            restores.add(new long[]{epoch, 0});
            resetHistories();
            return;
        }
        Integer takenIn = attempted.containsKey(id) ? attempted.get(id) : committed.get(id);
        if (takenIn == null) {
            violation("restored checkpoint " + id + " in epoch " + epoch + ", which was never committed (incomplete)");
        } else if (abandoned(takenIn, id)) {
            violation("restored checkpoint " + id + " (epoch " + takenIn + ") in epoch " + epoch
                    + ", which is on a branch abandoned by an earlier restore");
        }
        long best = bestCommitted();
        if (id < best) {
            violation("restored checkpoint " + id + " in epoch " + epoch + " although checkpoint " + best
                    + " was committed and is newer");
        }
        restores.add(new long[]{epoch, id});
        Map<String, History> cut = cuts.get(id);
        if (cut == null || cut.size() != operatorIds.size()) {
            violation("restored checkpoint " + id + " whose cut the oracle does not know");
            resetHistories();
            return;
        }
        for (String op : operatorIds) {
            history.put(op, cut.get(op).copy());
        }
    }

    /** The highest committed checkpoint not on an abandoned branch (0 if none). */
    private long bestCommitted() {
        for (Long id : committed.descendingKeySet()) {
            if (!abandoned(committed.get(id), id)) {
                return id;
            }
        }
        return 0;
    }

    /** Restored operator {@code op} opened with state {@code view}: it must equal the cut's. */
    void onRestoredState(String op, long id, Object view) {
        Map<String, History> cut = cuts.get(id);
        if (cut == null || !cut.containsKey(op)) {
            return;
        }
        Object expected = cut.get(op).view;
        if (!java.util.Objects.equals(expected, view)) {
            violation("'" + op + "' restored from checkpoint " + id + " with state " + view + " but its state at the cut was "
                    + expected);
        }
    }

    /** The run is quiet: check the workload's final state. */
    void onQuiescent(Map<String, Object> views) {
        for (String v : workload.checkFinal(views)) {
            violation("at the end: " + v);
        }
    }

    /** The oracle's record of one operator's surviving history, or of its cut. */
    private static final class History {
        final long[] vc;
        final Map<String, List<Long>> sent = new HashMap<>();
        final Map<String, Integer> processed = new HashMap<>();
        Object view;

        History(int n) {
            this.vc = new long[n];
        }

        History copy() {
            History h = new History(vc.length);
            System.arraycopy(vc, 0, h.vc, 0, vc.length);
            sent.forEach((k, v) -> h.sent.put(k, new ArrayList<>(v)));
            h.processed.putAll(processed);
            h.view = view;
            return h;
        }

        @Override
        public String toString() {
            return Arrays.toString(vc);
        }
    }
}
