package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Record;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.recovery.ChannelStateFile;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateBackend;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.internal.KafkaSettings;
import dev.cairn.kafka.internal.WireFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads what a completed checkpoint holds, the way a restore would, without running the job: an
 * operator's restored state, and the in-flight records of a channel (from the channel-state file in
 * copy mode, from the channel topic's recorded range in reference mode, with the same epoch
 * filter). For audits, demos and tools.
 */
public final class CheckpointReader {
    private final Manifest manifest;
    private final CheckpointStorage storage;
    private final StateBackend backend;
    private final Map<String, Object> kafka;
    private final Function<ChannelId, String> topicOf;

    /**
     * @param topicOf the channel topic of each channel (reference mode only)
     */
    public CheckpointReader(Manifest manifest, CheckpointStorage storage, StateBackend backend, Map<String, ?> kafka,
                            Function<ChannelId, String> topicOf) {
        this.manifest = manifest;
        this.storage = storage;
        this.backend = backend;
        this.kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
        this.topicOf = topicOf;
    }

    /** The channel topic cairn uses for {@code channel} of job {@code jobId} with topic prefix {@code prefix}. */
    public static Function<ChannelId, String> defaultTopics(String prefix, String jobId) {
        return c -> prefix + "." + jobId + "." + c.from() + "--" + c.to();
    }

    public Manifest manifest() {
        return manifest;
    }

    /** Opens node {@code nodeId}'s state as restored from the checkpoint and hands it to {@code reader}. */
    public <T> T readState(String nodeId, Function<StateRegistry, T> reader) {
        LocalSnapshot s = manifest.operators().get(nodeId);
        if (s == null) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "checkpoint " + manifest.checkpointId()
                    + " has no operator '" + nodeId + "'");
        }
        try (OperatorStateStore store = backend.open(nodeId, Optional.of(s.state()), storage)) {
            return reader.apply(store);
        }
    }

    /** Calls {@code each} for every in-flight record of {@code channel}, in channel order. */
    public void forEachInFlight(ChannelId channel, Consumer<Record> each) {
        try (Consumers consumers = new Consumers()) {
            readInFlight(channel, each, consumers);
        }
    }

    /**
     * Calls {@code each} for every in-flight record of every channel of {@code channels}, channel by
     * channel in the order given, each in channel order. Faster than one call per channel in
     * reference mode: one Kafka consumer reads every range.
     */
    public void forEachInFlight(Collection<ChannelId> channels, BiConsumer<ChannelId, Record> each) {
        try (Consumers consumers = new Consumers()) {
            for (ChannelId c : channels) {
                readInFlight(c, r -> each.accept(c, r), consumers);
            }
        }
    }

    private void readInFlight(ChannelId channel, Consumer<Record> each, Consumers consumers) {
        LocalSnapshot receiver = manifest.operators().get(channel.to());
        LocalSnapshot sender = manifest.operators().get(channel.from());
        InputSnapshot in = receiver == null ? null : receiver.inputs().get(channel.toString());
        Long marker = sender == null ? null : sender.outputs().get(channel.toString());
        if (in == null || marker == null) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "checkpoint " + manifest.checkpointId()
                    + " does not describe channel " + channel);
        }
        if (manifest.inFlightMode() == InFlightMode.COPY) {
            if (in.channelState() != null) {
                ChannelStateFile.read(storage.openFile(in.channelState()), channel, in.channelState().path(),
                        e -> each.accept(new Record(channel.from(), e.key(), e.value(), e.timestamp())));
            }
            return;
        }
        if (in.position() >= marker) {
            return;
        }
        String topic = topicOf.apply(channel);
        TopicPartition tp = new TopicPartition(topic, 0);
        try {
            readRange(consumers.get(), tp, topic, channel, in.position(), marker, each);
        } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException e) {
            throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "checkpoint " + manifest.checkpointId()
                    + ": the in-flight records [" + in.position() + ", " + marker + ") of channel " + channel
                    + " are no longer in topic '" + topic + "' (truncated: the checkpoint is older than the oldest"
                    + " retained one)", e);
        }
    }

    /** One Kafka consumer, made when a range is first read (copy mode never needs one), closed after. */
    private final class Consumers implements AutoCloseable {
        private KafkaConsumer<byte[], byte[]> consumer;

        KafkaConsumer<byte[], byte[]> get() {
            if (consumer == null) {
                consumer = new KafkaConsumer<>(KafkaSettings.of(kafka).consumer("cairn-reader"));
            }
            return consumer;
        }

        @Override
        public void close() {
            if (consumer != null) {
                consumer.close();
            }
        }
    }

    private void readRange(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, String topic, ChannelId channel,
                           long from, long marker, Consumer<Record> each) {
        {
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long next = from;
            while (next < marker) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    if (r.offset() >= marker) {
                        next = marker;
                        break;
                    }
                    next = r.offset() + 1;
                    WireFormat.Parsed p = WireFormat.parse(r.headers(), topic + "-0@" + r.offset());
                    if (p.kind() == WireFormat.Kind.DATA && p.epoch() >= manifest.epoch()) {
                        each.accept(new Record(channel.from(), r.key(), r.value(), r.timestamp()));
                    }
                }
                if (records.isEmpty() && consumer.position(tp) >= marker) {
                    next = marker;
                }
            }
        }
    }
}
