package dev.cairn.torture;

import dev.cairn.core.CairnException;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.simulation.BankWorkload;
import dev.cairn.core.storage.CheckpointHistoryEntry;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.storage.RestoreEntry;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.CheckpointReader;
import dev.cairn.kafka.Job;
import dev.cairn.state.RocksDbStateBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Watches one job's checkpoint directory from outside: notes every checkpoint when it first
 * appears complete and every epoch when it begins, audits each bank checkpoint (balances plus
 * in-flight amounts, as a restore would read them), and at the end checks every restore in the
 * restore history against what it saw.
 */
final class Auditor implements AutoCloseable {
    private final Job job;
    private final CheckpointStorage storage;
    private final Map<String, Object> kafka;
    private final RocksDbStateBackend backend;
    private final boolean bank;
    private final List<String> violations;
    /** id -> (epoch, first seen nanos). */
    private final TreeMap<Long, long[]> seen = new TreeMap<>();
    /** epoch -> first seen nanos. */
    private final Map<Integer, Long> epochs = new HashMap<>();
    private int audited;

    Auditor(Job job, Path checkpoints, Path scratch, Map<String, Object> kafka, boolean bank, List<String> violations) {
        this.job = job;
        this.storage = LocalCheckpointStorage.open(checkpoints, job.id(), new NioStorageFs());
        this.kafka = kafka;
        this.backend = RocksDbStateBackend.builder().localDirectory(scratch).build();
        this.bank = bank;
        this.violations = violations;
    }

    int audited() {
        return audited;
    }

    int completed() {
        return seen.size();
    }

    long failedCheckpoints() {
        try {
            return storage.history().stream().filter(h -> CheckpointHistoryEntry.FAILED.equals(h.status())).count();
        } catch (CairnException e) {
            return -1;
        }
    }

    int restores() {
        try {
            return Math.max(0, storage.restoreHistory().size() - 1);
        } catch (CairnException e) {
            return -1;
        }
    }

    /** Looks once: new epochs, new complete checkpoints (audited if this is the bank). */
    void poll() {
        long now = System.nanoTime();
        try {
            storage.currentEpoch().ifPresent(e -> epochs.putIfAbsent(e.epoch(), now));
            for (CheckpointListing l : storage.list(false)) {
                if (l.status() != CheckpointStatus.COMPLETE || seen.containsKey(l.checkpointId())) {
                    continue;
                }
                seen.put(l.checkpointId(), new long[]{l.manifest().epoch(), now});
                if (bank) {
                    audit(l.manifest());
                }
            }
        } catch (CairnException e) {
            // storage failing on purpose, or retention removing what was listed: look again later
        }
    }

    private void audit(Manifest m) {
        try {
            CheckpointReader reader = new CheckpointReader(m, storage, backend, kafka, job::channelTopic);
            long balances = 0;
            for (String id : TortureJobs.ACCOUNT_IDS) {
                balances += reader.readState(id, BankWorkload::balance);
            }
            long[] moving = new long[1];
            for (ChannelId c : job.topology().channels()) {
                if (!c.from().equals("ticks")) {
                    reader.forEachInFlight(c, r -> moving[0] += Serdes.longs().deserialize(r.value()));
                }
            }
            audited++;
            long expected = (long) TortureJobs.ACCOUNTS * BankWorkload.INITIAL_BALANCE;
            if (balances + moving[0] != expected) {
                violations.add("bank checkpoint " + m.checkpointId() + " (epoch " + m.epoch() + "): balances " + balances
                        + " + in flight " + moving[0] + " != " + expected);
            }
        } catch (CairnException e) {
            // retention removed it meanwhile (only the newest few are kept): not an audit result
            if (storageStillHas(m.checkpointId())) {
                violations.add("bank checkpoint " + m.checkpointId() + " is listed complete but cannot be read: "
                        + e.getMessage());
            }
        }
    }

    private boolean storageStillHas(long id) {
        try {
            for (CheckpointListing l : storage.list(false)) {
                if (l.checkpointId() == id && l.status() == CheckpointStatus.COMPLETE) {
                    return true;
                }
            }
        } catch (CairnException e) {
            return false;
        }
        return false;
    }

    /**
     * Every restore went to a checkpoint that was complete, not on an abandoned branch, and not
     * older than a valid checkpoint already committed when the restoring epoch began.
     */
    void checkRestores() {
        List<RestoreEntry> history;
        try {
            history = storage.restoreHistory();
        } catch (CairnException e) {
            violations.add(job.id() + ": the restore history cannot be read: " + e.getMessage());
            return;
        }
        List<RestoreEntry> before = new ArrayList<>();
        for (RestoreEntry r : history) {
            if (r.checkpointId() > 0) {
                long[] s = seen.get(r.checkpointId());
                if (s == null) {
                    violations.add(job.id() + ": epoch " + r.epoch() + " restored checkpoint " + r.checkpointId()
                            + ", which was never seen complete");
                } else if (abandoned(before, (int) s[0], r.checkpointId())) {
                    violations.add(job.id() + ": epoch " + r.epoch() + " restored checkpoint " + r.checkpointId()
                            + " of an abandoned branch");
                }
            }
            Long began = epochs.get(r.epoch());
            if (began != null) {
                for (Map.Entry<Long, long[]> e : seen.tailMap(r.checkpointId(), false).entrySet()) {
                    long[] s = e.getValue();
                    // committed (and seen) well before the epoch began, newer, not abandoned: it should have been restored
                    if (s[1] + 2_000_000_000L < began && s[0] < r.epoch() && !abandoned(before, (int) s[0], e.getKey())) {
                        violations.add(job.id() + ": epoch " + r.epoch() + " restored checkpoint " + r.checkpointId()
                                + " although checkpoint " + e.getKey() + " was complete before it began");
                        break;
                    }
                }
            }
            before.add(r);
        }
    }

    private static boolean abandoned(List<RestoreEntry> history, int takenIn, long id) {
        for (RestoreEntry r : history) {
            if (r.abandons(takenIn, id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        storage.close();
    }
}
