package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CrashPoints;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.kafka.Delivery;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a sink's records to its topic.
 *
 * <p>At least once: through the node's producer (idempotent, acks=all), so a failed send fails the
 * operator and the job rolls back and writes again.
 *
 * <p>Exactly once (docs/EXACTLY-ONCE.md): records are held until the checkpoint that covers them
 * is complete; each local snapshot stages every batch not yet known committed in an auxiliary file;
 * completion commits the batches and a commit marker in one Kafka transaction; a restore commits
 * what the restored checkpoint staged beyond the marker.
 */
class KafkaSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final int FILE_MAGIC = 0x43534b31; // "CSK1"
    /** Lets a restore to a checkpoint older than the committed output proceed (writes it again). */
    static final String ALLOW_REWIND = "cairn.sink.allowRewind";

    private record Rec(byte[] key, byte[] value) {
    }

    private final String jobId;
    private final String sinkId;
    private final String nodeId;
    private final String topic;
    private final Delivery delivery;
    private final KafkaProducer<byte[], byte[]> producer;
    private final java.util.function.Consumer<Throwable> onFailure;

    // exactly once only
    private final String markerTopic;
    private KafkaProducer<byte[], byte[]> txProducer;
    private List<Rec> open = new ArrayList<>();
    /** Sealed batches not yet known committed, by the checkpoint id that sealed them. */
    private final TreeMap<Long, List<Rec>> pending = new TreeMap<>();
    /** Per checkpoint being written: the batches its snapshot stages (taken on the operator thread). */
    private final Map<Long, TreeMap<Long, List<Rec>>> staged = new ConcurrentHashMap<>();

    KafkaSink(String topic, KafkaProducer<byte[], byte[]> producer, java.util.function.Consumer<Throwable> onFailure) {
        this(null, null, null, topic, Delivery.AT_LEAST_ONCE, producer, onFailure);
    }

    KafkaSink(String jobId, String sinkId, String nodeId, String topic, Delivery delivery,
              KafkaProducer<byte[], byte[]> producer, java.util.function.Consumer<Throwable> onFailure) {
        this.jobId = jobId;
        this.sinkId = sinkId;
        this.nodeId = nodeId;
        this.topic = topic;
        this.delivery = delivery;
        this.producer = producer;
        this.onFailure = onFailure;
        this.markerTopic = jobId == null ? null : markerTopic(jobId);
    }

    static String markerTopic(String jobId) {
        return "cairn-" + jobId + "-sink-commits";
    }

    static String transactionalId(String jobId, String sinkId) {
        return "cairn-" + jobId + "-" + sinkId;
    }

    boolean exactlyOnce() {
        return delivery == Delivery.EXACTLY_ONCE;
    }

    /**
     * Exactly once: fences every older incarnation, then makes the output of the restored
     * checkpoint public if it is not yet (see the class comment).
     */
    void open(KafkaSettings kafka, TopicManager topics, CheckpointStorage storage, OperatorRestore restore) {
        if (!exactlyOnce()) {
            return;
        }
        Map<String, Object> raw = kafka.raw();
        if (raw.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "Kafka property '"
                    + ProducerConfig.TRANSACTIONAL_ID_CONFIG + "' must not be set: the exactly-once sink '" + sinkId
                    + "' owns its transactional id (" + transactionalId(jobId, sinkId) + ")");
        }
        topics.ensureSinkCommits(markerTopic);
        Map<String, Object> p = kafka.producer("cairn-" + jobId + "-" + sinkId + "-tx");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(jobId, sinkId));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(120_000));
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        long txTimeout = Long.parseLong(p.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG).toString().trim());
        java.util.Optional<String> max = topics.brokerSetting("transaction.max.timeout.ms");
        if (max.isPresent() && txTimeout > Long.parseLong(max.get())) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "exactly-once sink '" + sinkId
                    + "': Kafka property 'transaction.timeout.ms'=" + txTimeout + " is above the broker's"
                    + " 'transaction.max.timeout.ms'=" + max.get() + "; lower it or raise the broker's maximum");
        }
        txProducer = new KafkaProducer<>(p);
        try {
            txProducer.initTransactions();
        } catch (KafkaException e) {
            String msg = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
            if (msg.contains("transaction.max.timeout.ms") || msg.contains("timeout is larger")) {
                throw new CairnException(CairnException.Reason.CONFIGURATION, "exactly-once sink '" + sinkId
                        + "': Kafka property 'transaction.timeout.ms'=" + p.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)
                        + " is above the broker's 'transaction.max.timeout.ms'", e);
            }
            throw e;
        }
        long c = readMarker(kafka);
        long m = restore.isFresh() ? 0 : restore.checkpointId();
        if (c > m) {
            if (!Boolean.parseBoolean(String.valueOf(raw.getOrDefault(ALLOW_REWIND, "false")))) {
                throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "exactly-once sink '" + sinkId
                        + "' of job '" + jobId + "' already made public the output up to checkpoint " + c
                        + " (marker in topic '" + markerTopic + "'), but the job restores checkpoint " + m
                        + ": the output of checkpoints " + (m + 1) + ".." + c + " would be written again."
                        + " Restore checkpoint " + c + " or newer, or set '" + ALLOW_REWIND + "=true' to accept duplicates");
            }
            LOG.warn("exactly-once sink '{}' rewinds from committed checkpoint {} to {} ({}=true): output of {}..{} is written again",
                    sinkId, c, m, ALLOW_REWIND, m + 1, c);
            commit(new TreeMap<>(), m, "sink.duringRestore");
            return;
        }
        if (c == m) {
            return;
        }
        FileRef ref = restore.auxiliaryFiles().get(fileName());
        TreeMap<Long, List<Rec>> batches = ref == null ? new TreeMap<>() : readStaged(storage, ref);
        TreeMap<Long, List<Rec>> todo = new TreeMap<>(batches.subMap(c, false, m, true));
        LOG.info("exactly-once sink '{}' restores checkpoint {}: committed up to {}, commits {} staged batch(es)",
                sinkId, m, c, todo.size());
        commit(todo, m, "sink.duringRestore");
    }

    private String fileName() {
        return "sink-" + sinkId + ".pending";
    }

    void write(byte[] key, byte[] value) {
        if (exactlyOnce()) {
            open.add(new Rec(key, value));
            return;
        }
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) {
                onFailure.accept(new CairnException(CairnException.Reason.OPERATOR_FAILED, "a send to sink topic '"
                        + topic + "' failed: " + e, e));
            }
        });
    }

    /** The synchronous part of a checkpoint: seals the records since the last one as batch {@code checkpointId}. */
    void snapshot(long checkpointId) {
        if (!exactlyOnce()) {
            return;
        }
        if (!open.isEmpty()) {
            pending.put(checkpointId, open);
            open = new ArrayList<>();
        }
        staged.put(checkpointId, new TreeMap<>(pending.headMap(checkpointId, true)));
    }

    /**
     * Writes what the local snapshot of {@code checkpointId} stages (off the operator thread);
     * returns the auxiliary files to reference.
     */
    Map<String, FileRef> stage(CheckpointStorage storage, long checkpointId) throws IOException {
        TreeMap<Long, List<Rec>> batches = staged.remove(checkpointId);
        if (batches == null) {
            return Map.of();
        }
        CheckpointFileWriter w = storage.createPrivateFile(checkpointId, nodeId, fileName());
        try {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(w, 64 * 1024));
            out.writeInt(FILE_MAGIC);
            out.writeInt(batches.size());
            for (Map.Entry<Long, List<Rec>> b : batches.entrySet()) {
                out.writeLong(b.getKey());
                out.writeInt(b.getValue().size());
                for (Rec r : b.getValue()) {
                    writeBytes(out, r.key());
                    writeBytes(out, r.value());
                }
            }
            out.flush();
            FileRef ref = w.finish();
            CrashPoints.hit("sink.afterPrepare");
            return Map.of(fileName(), ref);
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        }
    }

    /** A checkpoint was abandoned: what it would have staged is not needed. */
    void discard(long checkpointId) {
        staged.remove(checkpointId);
    }

    /** Every checkpoint up to {@code upTo} is complete: commits every pending batch up to it. */
    void checkpointsCompleted(long upTo) {
        if (!exactlyOnce()) {
            return;
        }
        Map<Long, List<Rec>> head = pending.headMap(upTo, true);
        if (head.isEmpty()) {
            return;
        }
        commit(new TreeMap<>(head), upTo, "sink.duringCommit");
        head.clear();
    }

    private void commit(TreeMap<Long, List<Rec>> batches, long marker, String crashPoint) {
        if (crashPoint.equals("sink.duringCommit")) {
            CrashPoints.hit("sink.beforeCommit");
        }
        long t0 = System.nanoTime();
        txProducer.beginTransaction();
        int n = 0;
        for (List<Rec> b : batches.values()) {
            for (Rec r : b) {
                txProducer.send(new ProducerRecord<>(topic, r.key(), r.value()));
                n++;
            }
        }
        txProducer.send(new ProducerRecord<>(markerTopic, 0, sinkId.getBytes(StandardCharsets.UTF_8),
                Long.toString(marker).getBytes(StandardCharsets.UTF_8)));
        txProducer.flush();
        CrashPoints.hit(crashPoint);
        txProducer.commitTransaction(); // a fenced or failed commit throws: the node fails and restores
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms > 5_000) {
            LOG.warn("exactly-once sink '{}': the commit transaction up to checkpoint {} was open {} ms ({} records);"
                    + " read_committed consumers of '{}' waited for it", sinkId, marker, ms, n, topic);
        } else {
            LOG.debug("exactly-once sink '{}' committed {} records up to checkpoint {} in {} ms", sinkId, n, marker, ms);
        }
    }

    /** The last committed checkpoint of this sink, from the marker topic (0 if none). */
    private long readMarker(KafkaSettings kafka) {
        Map<String, Object> p = kafka.consumer("cairn-" + jobId + "-" + sinkId + "-marker");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        TopicPartition tp = new TopicPartition(markerTopic, 0);
        long last = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            byte[] key = sinkId.getBytes(StandardCharsets.UTF_8);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && java.util.Arrays.equals(r.key(), key) && r.value() != null) {
                        last = Long.parseLong(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return last;
    }

    private static TreeMap<Long, List<Rec>> readStaged(CheckpointStorage storage, FileRef ref) {
        TreeMap<Long, List<Rec>> out = new TreeMap<>();
        try (InputStream raw = storage.openFile(ref); DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            if (in.readInt() != FILE_MAGIC) {
                throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "staged sink output " + ref.path()
                        + " does not start with the sink file magic");
            }
            int batches = in.readInt();
            for (int i = 0; i < batches; i++) {
                long id = in.readLong();
                int n = in.readInt();
                List<Rec> b = new ArrayList<>(n);
                for (int j = 0; j < n; j++) {
                    b.add(new Rec(readBytes(in), readBytes(in)));
                }
                out.put(id, b);
            }
            in.transferTo(java.io.OutputStream.nullOutputStream()); // reading to the end checks size and CRC
        } catch (IOException e) {
            throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "cannot read staged sink output "
                    + ref.path() + ": " + e, e);
        }
        return out;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    void close() {
        if (txProducer != null) {
            txProducer.close(Duration.ofSeconds(5));
        }
    }

    /** What this sink records in the local snapshot of {@code checkpointId}. */
    Map<String, String> attributes(long checkpointId) {
        return exactlyOnce() ? Map.of("sink." + sinkId + ".transactionalId", transactionalId(jobId, sinkId)) : Map.of();
    }
}
