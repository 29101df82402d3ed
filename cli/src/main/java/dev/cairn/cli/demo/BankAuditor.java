package dev.cairn.cli.demo;

import dev.cairn.core.CairnException;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.CheckpointReader;
import dev.cairn.state.RocksDbStateBackend;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Audits every completed checkpoint of the bank from outside the job, on its own thread: it reads
 * each account's balance from the checkpoint's state files and every amount in flight on the
 * channels between accounts, as a restore would, and checks that they add up to the bank's total.
 * It prints one line per checkpoint. A checkpoint that retention removed before its audit finished
 * is reported as not audited, never as a wrong total.
 */
final class BankAuditor implements AutoCloseable {
    private final BankDemo.BankTopology topology;
    private final long expected;
    private final Map<String, Object> kafka;
    private final CheckpointStorage storage;
    private final RocksDbStateBackend scratch;
    private final PrintWriter out;
    private final ExecutorService executor;
    private final Function<ChannelId, String> topics;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger audited = new AtomicInteger();
    private final AtomicInteger notAudited = new AtomicInteger();
    private final AtomicInteger violations = new AtomicInteger();
    private final AtomicLong lastAudited = new AtomicLong();
    private boolean closed;

    BankAuditor(BankDemo.BankTopology topology, long expected, Map<String, Object> kafka, Path checkpoints,
                Path scratchDir, PrintWriter out) {
        this.topology = topology;
        this.expected = expected;
        this.kafka = kafka;
        this.storage = LocalCheckpointStorage.open(checkpoints, BankDemo.JOB_ID, new NioStorageFs());
        this.scratch = RocksDbStateBackend.builder().localDirectory(scratchDir).build();
        this.out = out;
        this.topics = CheckpointReader.defaultTopics("cairn", BankDemo.JOB_ID);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-demo-audit");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a completed checkpoint for its audit (called on a cairn thread: returns at once). */
    void submit(Manifest manifest, long durationNanos) {
        pending.incrementAndGet();
        executor.execute(() -> {
            try {
                // far behind (a slow machine): skip to the newer ones, which retention keeps longer
                if (pending.get() > 3) {
                    notAudited.incrementAndGet();
                    out.printf("checkpoint %d  took %d ms  size %s  (not audited: the audit is behind)%n",
                            manifest.checkpointId(), TimeUnit.NANOSECONDS.toMillis(durationNanos),
                            bytes(manifest.totalBytes()));
                    return;
                }
                audit(manifest, durationNanos);
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    private void audit(Manifest manifest, long durationNanos) {
        long id = manifest.checkpointId();
        long balances = 0;
        long moving = 0;
        long inFlightRecords = 0;
        try {
            CheckpointReader reader = new CheckpointReader(manifest, storage, scratch, kafka, topics);
            for (int i = 0; i < topology.accounts(); i++) {
                balances += reader.readState(BankDemo.BankTopology.account(i), BankAccount::balanceIn);
            }
            long[] counted = new long[2];
            reader.forEachInFlight(topology.channels(BankDemo.TICKS), (c, r) -> {
                counted[0]++;
                if (!c.from().equals(BankDemo.TICKS)) {
                    counted[1] += Serdes.longs().deserialize(r.value());
                }
            });
            inFlightRecords = counted[0];
            moving = counted[1];
        } catch (CairnException e) {
            if (!stillRetained(id)) {
                notAudited.incrementAndGet();
                out.printf("checkpoint %d  (not audited: retention removed it first)%n", id);
            } else {
                violations.incrementAndGet();
                out.printf("checkpoint %d  cannot be read back: %s%n", id, e.getMessage());
            }
            return;
        }
        if (!stillRetained(id)) {
            // files may have gone while they were read: the numbers are not evidence either way
            notAudited.incrementAndGet();
            out.printf("checkpoint %d  (not audited: retention removed it first)%n", id);
            return;
        }
        long total = balances + moving;
        boolean ok = total == expected;
        audited.incrementAndGet();
        lastAudited.set(id);
        if (!ok) {
            violations.incrementAndGet();
        }
        out.printf("checkpoint %d  took %d ms  size %s  in flight %d records  total %s%s%n", id,
                TimeUnit.NANOSECONDS.toMillis(durationNanos), bytes(manifest.totalBytes()), inFlightRecords,
                number(total), ok ? "  ok" : "  WRONG: expected " + number(expected) + " (balances " + number(balances)
                        + " + in flight " + number(moving) + ")");
    }

    private boolean stillRetained(long id) {
        try {
            for (CheckpointListing l : storage.list(false)) {
                if (l.checkpointId() == id) {
                    return l.status() == CheckpointStatus.COMPLETE;
                }
            }
            return false;
        } catch (CairnException e) {
            return false;
        }
    }

    int violations() {
        return violations.get();
    }

    /** The closing line: how many checkpoints were audited and whether every total held. */
    String summary(long latestCompleted) {
        String held = violations.get() == 0
                ? "the total was " + number(expected) + " in every one"
                : violations.get() + " did NOT hold the total of " + number(expected);
        return String.format(Locale.ROOT, "stopped; latest checkpoint %d; %d checkpoints audited (%d skipped): %s",
                latestCompleted, audited.get(), notAudited.get(), held);
    }

    /** Waits for the audits queued so far, then releases the storage. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                out.println("the audit of the last checkpoints did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        storage.close();
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
    }
}
