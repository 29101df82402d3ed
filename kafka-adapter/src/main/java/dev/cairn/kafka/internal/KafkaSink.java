package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.CrashPoints;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Writes a sink's records to its topic.
 *
 * <p><b>At least once</b>: through the node's producer (idempotent, acks=all), so a failed send
 * fails the operator and the job rolls back and writes again.
 *
 * <p><b>Exactly once</b> (docs/ARCHITECTURE.md, "The exactly-once sink"): nothing is sent before
 * the checkpoint that covers it is complete. Records are held in memory; each snapshot seals the
 * records since the previous one as a batch, and its local snapshot stages every batch not yet
 * committed in an auxiliary file ({@code sink-<id>.pending}); "complete up to n" sends every
 * batch up to n and a commit marker (sink → n) to the job's commit topic in ONE Kafka transaction
 * on the sink's one transactional id. At start the sink fences older incarnations
 * ({@code initTransactions()}), reads its marker c and, restoring checkpoint m, commits the
 * staged batches in (c, m]. Every method but {@link #stage} runs on the operator thread; the
 * commit is synchronous there (it blocks the node for one transaction, typically tens of ms).
 */
final class KafkaSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    /** First 4 bytes of a pending file: "CSK1". */
    static final int FILE_MAGIC = 0x43534b31;
    /** Lets a restore to a checkpoint older than the committed output proceed (writes that output again). */
    static final String ALLOW_REWIND = "cairn.sink.allowRewind";
    /** A commit open longer than this is logged as a warning: it held back read_committed consumers. */
    static final long SLOW_COMMIT_MILLIS = 5_000;
    /** The transactional producer's bound on a send (cairn's channel producers never give up). */
    static final int TX_DELIVERY_TIMEOUT_MS = 120_000;

    private record Rec(byte[] key, byte[] value) {
        long bytes() {
            return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        }
    }

    /** The records of one snapshot interval, sealed by the snapshot of checkpoint {@code id}. */
    private record Batch(List<Rec> records, long bytes, long firstNanos) {
    }

    private final String jobId;
    private final String sinkId;
    private final String nodeId;
    private final String topic;
    private final boolean exactlyOnce;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Consumer<Throwable> onFailure;

    // exactly once only
    private final String transactionalId;
    private final String commitsTopic;
    private final SinkMetrics metrics;
    private KafkaProducer<byte[], byte[]> txProducer;
    private List<Rec> open = new ArrayList<>();
    private long openBytes;
    private long openFirstNanos = -1;
    /** Sealed batches not yet committed, by the checkpoint whose snapshot sealed them. */
    private final TreeMap<Long, Batch> pending = new TreeMap<>();
    /** Per checkpoint whose local snapshot is being written: what it stages (taken on the operator thread). */
    private final Map<Long, TreeMap<Long, Batch>> staged = new ConcurrentHashMap<>();
    private long pendingRecords;
    private long pendingBytes;

    private KafkaSink(String jobId, String sinkId, String nodeId, String topic, boolean exactlyOnce,
                      KafkaProducer<byte[], byte[]> producer, Consumer<Throwable> onFailure, String transactionalId,
                      String commitsTopic, SinkMetrics metrics) {
        this.jobId = jobId;
        this.sinkId = sinkId;
        this.nodeId = nodeId;
        this.topic = topic;
        this.exactlyOnce = exactlyOnce;
        this.producer = producer;
        this.onFailure = onFailure;
        this.transactionalId = transactionalId;
        this.commitsTopic = commitsTopic;
        this.metrics = metrics;
    }

    /** An at-least-once sink writing through the node's producer; a failed send goes to {@code onFailure}. */
    static KafkaSink atLeastOnce(String topic, KafkaProducer<byte[], byte[]> producer, Consumer<Throwable> onFailure) {
        return new KafkaSink(null, null, null, topic, false, producer, onFailure, null, null, null);
    }

    /** An exactly-once sink; {@link #open} it before anything else. */
    static KafkaSink exactlyOnce(String jobId, String sinkId, String nodeId, String topic, String transactionalId,
                                 String commitsTopic, SinkMetrics metrics) {
        return new KafkaSink(jobId, sinkId, nodeId, topic, true, null, null, transactionalId, commitsTopic, metrics);
    }

    boolean exactlyOnce() {
        return exactlyOnce;
    }

    String pendingFileName() {
        return "sink-" + sinkId + ".pending";
    }

    /**
     * Exactly once: fences every older incarnation of this sink, then makes public what the
     * restored checkpoint staged beyond the commit marker. {@code timeout} bounds reading the
     * marker.
     *
     * @throws CairnException CONFIGURATION for a transaction timeout the broker refuses;
     *                        INCOMPATIBLE_RESTORE if output newer than the restored checkpoint is
     *                        already public (unless {@value #ALLOW_REWIND}); UNAVAILABLE if the
     *                        marker cannot be read within {@code timeout}; CORRUPT_CHECKPOINT for a
     *                        damaged pending file
     */
    void open(KafkaSettings kafka, TopicManager topics, CheckpointStorage storage, OperatorRestore restore, Duration timeout) {
        if (!exactlyOnce) {
            return;
        }
        topics.ensureSinkCommits(commitsTopic);
        Map<String, Object> p = kafka.producer(transactionalId + "-tx");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(TX_DELIVERY_TIMEOUT_MS));
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        long txTimeout = Long.parseLong(p.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG).toString().trim());
        Optional<String> max;
        try {
            max = topics.brokerSetting("transaction.max.timeout.ms");
        } catch (CairnException e) {
            // e.g. no DescribeConfigs permission: initTransactions() below still rejects a too long timeout
            LOG.debug("exactly-once sink '{}': cannot read the broker's transaction.max.timeout.ms: {}", sinkId,
                    e.getMessage());
            max = Optional.empty();
        }
        if (max.isPresent() && txTimeout > Long.parseLong(max.get().trim())) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "exactly-once sink '" + sinkId + "' of job '"
                    + jobId + "': Kafka property 'transaction.timeout.ms'=" + txTimeout + " is above the broker's"
                    + " 'transaction.max.timeout.ms'=" + max.get() + "; lower it or raise the broker's maximum");
        }
        logOpenTransaction(topics);
        txProducer = new KafkaProducer<>(p);
        try {
            txProducer.initTransactions(); // fences older incarnations and aborts a commit they left half done
        } catch (KafkaException e) {
            String msg = e.getMessage() + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
            if (msg.contains("transaction.max.timeout.ms") || msg.contains("timeout is larger")) {
                throw new CairnException(CairnException.Reason.CONFIGURATION, "exactly-once sink '" + sinkId
                        + "': Kafka property 'transaction.timeout.ms'=" + txTimeout + " is above the broker's"
                        + " 'transaction.max.timeout.ms'", e);
            }
            throw new CairnException(CairnException.Reason.UNAVAILABLE, "exactly-once sink '" + sinkId + "' of job '"
                    + jobId + "': initTransactions() for transactional id '" + transactionalId + "' failed: " + e, e);
        }
        long c = readMarker(kafka, topics, timeout);
        long m = restore.isFresh() ? 0 : restore.checkpointId();
        if (c > m) {
            boolean allow = Boolean.parseBoolean(String.valueOf(kafka.raw().getOrDefault(ALLOW_REWIND, "false")).trim());
            if (!allow) {
                throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "exactly-once sink '" + sinkId
                        + "' of job '" + jobId + "' already made public the output up to checkpoint " + c
                        + " (commit marker in topic '" + commitsTopic + "'), but the job restores "
                        + (m == 0 ? "nothing (a fresh start)" : "checkpoint " + m) + ": the output of checkpoints "
                        + (m + 1) + ".." + c + " would be written again. Restore checkpoint " + c + " or newer, or set"
                        + " the Kafka property '" + ALLOW_REWIND + "=true' to accept the duplicates");
            }
            LOG.warn("exactly-once sink '{}' of job '{}' rewinds from committed checkpoint {} to {} ({}=true): the output"
                    + " of checkpoints {}..{} is written again", sinkId, jobId, c, m, ALLOW_REWIND, m + 1, c);
            commit(new TreeMap<>(), m, true);
            return;
        }
        if (c == m) {
            LOG.info("exactly-once sink '{}' of job '{}' restores checkpoint {}: its output is already committed", sinkId,
                    jobId, m);
            return;
        }
        FileRef ref = restore.auxiliaryFiles().get(pendingFileName());
        TreeMap<Long, Batch> batches = ref == null ? new TreeMap<>() : readPending(storage, ref);
        TreeMap<Long, Batch> todo = new TreeMap<>(batches.subMap(c, false, m, true));
        LOG.info("exactly-once sink '{}' of job '{}' restores checkpoint {}: committed up to {}, commits {} staged"
                + " batch(es) now", sinkId, jobId, m, c, todo.size());
        commit(todo, m, true);
    }

    /** Logs a transaction a previous incarnation left open: it stalled read_committed consumers until now. */
    private void logOpenTransaction(TopicManager topics) {
        try {
            Optional<TransactionDescription> d = topics.describeTransaction(transactionalId);
            if (d.isPresent() && d.get().state() == org.apache.kafka.clients.admin.TransactionState.ONGOING) {
                long since = d.get().transactionStartTimeMs().orElse(-1);
                LOG.warn("exactly-once sink '{}' of job '{}': a previous incarnation left transaction '{}' open{} on {};"
                        + " read_committed consumers of those partitions stall until it ends. Aborting it now"
                        + " (initTransactions)", sinkId, jobId, transactionalId,
                        since < 0 ? "" : " for " + (System.currentTimeMillis() - since) + " ms", d.get().topicPartitions());
            }
        } catch (CairnException e) {
            LOG.debug("exactly-once sink '{}': could not describe transactional id '{}': {}", sinkId, transactionalId,
                    e.getMessage());
        }
    }

    void write(byte[] key, byte[] value) {
        if (exactlyOnce) {
            Rec r = new Rec(key, value);
            if (open.isEmpty()) {
                openFirstNanos = System.nanoTime();
                metrics.oldestUncommittedNanos.compareAndSet(-1, openFirstNanos);
            }
            open.add(r);
            openBytes += r.bytes();
            pendingRecords++;
            pendingBytes += r.bytes();
            updateGauges();
            return;
        }
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) {
                onFailure.accept(new CairnException(CairnException.Reason.OPERATOR_FAILED, "a send to sink topic '"
                        + topic + "' failed: " + e, e));
            }
        });
    }

    /** The synchronous part of checkpoint {@code checkpointId}: seals the records since the last one as its batch. */
    void snapshot(long checkpointId) {
        if (!exactlyOnce) {
            return;
        }
        if (!open.isEmpty()) {
            pending.put(checkpointId, new Batch(List.copyOf(open), openBytes, openFirstNanos));
            open = new ArrayList<>();
            openBytes = 0;
            openFirstNanos = -1;
        }
        staged.put(checkpointId, new TreeMap<>(pending.headMap(checkpointId, true)));
        updateGauges();
    }

    /**
     * Writes what the local snapshot of {@code checkpointId} stages (called off the operator
     * thread, before the snapshot is acknowledged); returns the auxiliary files to reference.
     */
    Map<String, FileRef> stage(CheckpointStorage storage, long checkpointId) throws IOException {
        TreeMap<Long, Batch> batches = staged.remove(checkpointId);
        if (batches == null || batches.isEmpty()) {
            return Map.of();
        }
        CheckpointFileWriter w = storage.createPrivateFile(checkpointId, nodeId, pendingFileName());
        try {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(w, 64 * 1024));
            out.writeInt(FILE_MAGIC);
            out.writeInt(batches.size());
            for (Map.Entry<Long, Batch> b : batches.entrySet()) {
                out.writeLong(b.getKey());
                out.writeInt(b.getValue().records().size());
                for (Rec r : b.getValue().records()) {
                    writeBytes(out, r.key());
                    writeBytes(out, r.value());
                }
            }
            out.flush();
            FileRef ref = w.finish();
            CrashPoints.hit("sink.afterPrepare");
            return Map.of(pendingFileName(), ref);
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        }
    }

    /** Checkpoint {@code checkpointId} was abandoned here: what it would have staged is not needed. */
    void discard(long checkpointId) {
        staged.remove(checkpointId);
    }

    /**
     * Every checkpoint up to {@code upTo} is complete: commits every pending batch up to it with
     * marker {@code upTo}, in one transaction. Nothing to commit: nothing is sent.
     *
     * @throws CairnException OPERATOR_FAILED (FENCED if a newer incarnation took over) when the
     *                        transaction fails; the node fails and the job restores, which commits
     *                        the batches from the restored checkpoint's pending file
     */
    void checkpointsCompleted(long upTo) {
        if (!exactlyOnce) {
            return;
        }
        Map<Long, Batch> head = pending.headMap(upTo, true);
        if (head.isEmpty()) {
            return;
        }
        CrashPoints.hit("sink.beforeCommit");
        commit(new TreeMap<>(head), upTo, false);
        for (Batch b : head.values()) {
            pendingRecords -= b.records().size();
            pendingBytes -= b.bytes();
        }
        head.clear();
        updateGauges();
    }

    private void updateGauges() {
        metrics.pendingBatches.set(pending.size());
        metrics.pendingRecords.set(pendingRecords);
        metrics.pendingBytes.set(pendingBytes);
        long oldest = pending.isEmpty() ? openFirstNanos : pending.firstEntry().getValue().firstNanos();
        metrics.oldestUncommittedNanos.set(oldest);
    }

    private void commit(TreeMap<Long, Batch> batches, long marker, boolean restoring) {
        long t0 = System.nanoTime();
        int n = 0;
        try {
            txProducer.beginTransaction();
            for (Batch b : batches.values()) {
                for (Rec r : b.records()) {
                    txProducer.send(new ProducerRecord<>(topic, r.key(), r.value()));
                    n++;
                }
            }
            txProducer.send(new ProducerRecord<>(commitsTopic, 0, sinkId.getBytes(StandardCharsets.UTF_8),
                    Long.toString(marker).getBytes(StandardCharsets.UTF_8)));
            txProducer.flush();
            CrashPoints.hit(restoring ? "sink.duringRestore" : "sink.duringCommit");
            txProducer.commitTransaction();
        } catch (ProducerFencedException | org.apache.kafka.common.errors.InvalidProducerEpochException e) {
            throw new CairnException(CairnException.Reason.FENCED, "exactly-once sink '" + sinkId + "' of job '" + jobId
                    + "' was fenced while committing up to checkpoint " + marker + ": a newer incarnation (or an operator's"
                    + " abort) took over transactional id '" + transactionalId + "'; nothing of this transaction is"
                    + " visible", e);
        } catch (KafkaException e) {
            throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "exactly-once sink '" + sinkId + "' of job '"
                    + jobId + "': the transaction committing " + n + " records up to checkpoint " + marker + " to '"
                    + topic + "' failed (nothing of it is visible; the restore commits it again): " + e, e);
        }
        long nanos = System.nanoTime() - t0;
        metrics.commits.increment();
        metrics.committedRecords.increment(n);
        metrics.commitDuration.record(Duration.ofNanos(nanos));
        long ms = nanos / 1_000_000;
        if (ms > SLOW_COMMIT_MILLIS) {
            LOG.warn("exactly-once sink '{}' of job '{}': the transaction committing {} records up to checkpoint {} was"
                    + " open {} ms; read_committed consumers of '{}' waited for it", sinkId, jobId, n, marker, ms, topic);
        } else {
            LOG.debug("exactly-once sink '{}' committed {} records up to checkpoint {} in {} ms", sinkId, n, marker, ms);
        }
    }

    /**
     * The last checkpoint whose output this sink committed (0 if none), from the commit topic read
     * with read_committed up to its high watermark: a transaction still open there (another sink's
     * incarnation that died mid-commit) holds the read back until it ends, and a marker behind it
     * must not be missed, so the read waits rather than stopping at the last stable offset.
     */
    private long readMarker(KafkaSettings kafka, TopicManager topics, Duration timeout) {
        TopicPartition tp = new TopicPartition(commitsTopic, 0);
        long end = topics.endOffsets(List.of(tp)).get(tp);
        Map<String, Object> p = kafka.consumer(transactionalId + "-marker");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] key = sinkId.getBytes(StandardCharsets.UTF_8);
        long last = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long position = 0;
            while (true) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    position = c.position(tp, Duration.ofNanos(left));
                }
                if (position >= end) {
                    return last;
                }
                if (System.nanoTime() >= deadline) {
                    throw new CairnException(CairnException.Reason.UNAVAILABLE, "exactly-once sink '" + sinkId + "' of job '"
                            + jobId + "': could not read its commit marker from topic '" + commitsTopic + "' within "
                            + timeout + " (read committed records up to offset " + position + " of " + end + "). A"
                            + " transaction left open on that topic blocks read_committed readers: list and abort it"
                            + " with dev.cairn.kafka.SinkTransactions, or check that the broker is reachable");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (r.key() != null && Arrays.equals(r.key(), key) && r.value() != null) {
                        last = parseMarker(r);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new CairnException(CairnException.Reason.UNAVAILABLE, "exactly-once sink '" + sinkId + "' of job '"
                    + jobId + "': could not read its commit marker from topic '" + commitsTopic + "' within " + timeout
                    + ": " + e, e);
        }
    }

    private long parseMarker(ConsumerRecord<byte[], byte[]> r) {
        String v = new String(r.value(), StandardCharsets.UTF_8);
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new CairnException(CairnException.Reason.MALFORMED_INPUT, "commit marker record " + r.topic() + "-"
                + r.partition() + "@" + r.offset() + " of sink '" + sinkId + "' holds '" + v + "', not a checkpoint id"
                + " (a decimal number >= 0)");
    }

    /** Reads a pending file (format in docs/WIRE-FORMAT.md); its size and CRC32C are checked before it is parsed. */
    static TreeMap<Long, List<byte[][]>> readPendingFile(CheckpointStorage storage, FileRef ref) {
        TreeMap<Long, List<byte[][]>> out = new TreeMap<>();
        readPending(storage, ref).forEach((id, b) -> out.put(id, b.records().stream()
                .map(r -> new byte[][]{r.key(), r.value()}).toList()));
        return out;
    }

    private static TreeMap<Long, Batch> readPending(CheckpointStorage storage, FileRef ref) {
        byte[] all;
        try (InputStream in = storage.openFile(ref)) {
            all = in.readAllBytes(); // reading to the end verifies size and CRC32C
        } catch (CorruptCheckpointException e) {
            throw new CorruptCheckpointException(Path.of(ref.path()), "exactly-once sink pending file " + ref.path()
                    + " is damaged (" + e.getMessage() + "); the checkpoint cannot restore the sink's output."
                    + " Restore an older checkpoint explicitly", e);
        } catch (IOException e) {
            throw new CairnException(CairnException.Reason.STORAGE, "cannot read the exactly-once sink's pending file "
                    + ref.path() + ": " + e, e);
        }
        TreeMap<Long, Batch> out = new TreeMap<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
        try {
            int magic = in.readInt();
            if (magic != FILE_MAGIC) {
                throw corrupt(ref, "does not start with the pending-file magic 0x" + Integer.toHexString(FILE_MAGIC)
                        + " (found 0x" + Integer.toHexString(magic) + ")");
            }
            int batches = in.readInt();
            if (batches < 0) {
                throw corrupt(ref, "has a negative batch count " + batches);
            }
            long previous = 0;
            for (int i = 0; i < batches; i++) {
                long id = in.readLong();
                if (id <= previous) {
                    throw corrupt(ref, "has batch " + i + " with checkpoint id " + id + ", not above the previous " + previous);
                }
                previous = id;
                int n = in.readInt();
                if (n < 0) {
                    throw corrupt(ref, "has a negative record count " + n + " in batch " + id);
                }
                List<Rec> b = new ArrayList<>();
                long bytes = 0;
                for (int j = 0; j < n; j++) {
                    Rec r = new Rec(readBytes(in, ref), readBytes(in, ref));
                    bytes += r.bytes();
                    b.add(r);
                }
                out.put(id, new Batch(b, bytes, -1));
            }
            if (in.available() > 0) {
                throw corrupt(ref, "has " + in.available() + " bytes after its last batch");
            }
        } catch (EOFException e) {
            throw corrupt(ref, "ends in the middle of a record");
        } catch (IOException e) {
            throw corrupt(ref, e.toString());
        }
        return out;
    }

    private static CairnException corrupt(FileRef ref, String what) {
        return new CorruptCheckpointException(Path.of(ref.path()), "exactly-once sink pending file " + ref.path() + " "
                + what + "; the checkpoint cannot restore the sink's output. Restore an older checkpoint explicitly");
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in, FileRef ref) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < -1 || n > in.available()) {
            throw corrupt(ref, "has a field length " + n + " beyond the end of the file");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** What this sink records in the local snapshot of {@code checkpointId}. */
    Map<String, String> attributes(long checkpointId) {
        return exactlyOnce ? Map.of("sink." + sinkId + ".transactionalId", transactionalId) : Map.of();
    }

    /** Closes the transactional producer (an open transaction is aborted). Idempotent. */
    @Override
    public void close() {
        KafkaProducer<byte[], byte[]> p = txProducer;
        txProducer = null;
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
    }
}
