package dev.cairn.kafka.internal;

import dev.cairn.core.topology.ChannelId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The metrics of one node (operator or chain), registered once per process and shared by the
 * runners of its successive epochs. Names are listed in README.md ("Metrics"); all are tagged
 * {@code job} and {@code operator}, the lag gauge also {@code channel}.
 */
final class NodeMetrics {
    final Counter recordsIn;
    final Counter recordsOut;
    final Counter markersIn;
    final Counter inFlightRecords;
    final Counter inFlightBytes;
    final Timer syncPause;
    final Timer restore;
    final Timer alignment;
    final AtomicLongArray lag;

    NodeMetrics(MeterRegistry reg, String job, String node, List<ChannelId> inputs) {
        Tags tags = Tags.of("job", job, "operator", node);
        this.recordsIn = Counter.builder("cairn.operator.records.in").tags(tags).register(reg);
        this.recordsOut = Counter.builder("cairn.operator.records.out").tags(tags).register(reg);
        this.markersIn = Counter.builder("cairn.operator.markers.in").tags(tags).register(reg);
        this.inFlightRecords = Counter.builder("cairn.operator.inflight.records").tags(tags)
                .description("in-flight records copied into channel state (copy mode)").register(reg);
        this.inFlightBytes = Counter.builder("cairn.operator.inflight.bytes").tags(tags).baseUnit("bytes").register(reg);
        this.syncPause = Timer.builder("cairn.operator.sync.pause").tags(tags)
                .description("synchronous part of a state snapshot").register(reg);
        this.restore = Timer.builder("cairn.operator.restore.duration").tags(tags)
                .description("start of the runner to live input, restore and replay included").register(reg);
        this.alignment = Timer.builder("cairn.operator.alignment").tags(tags)
                .description("aligned mode: first marker of a checkpoint to its recording").register(reg);
        this.lag = new AtomicLongArray(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            final int in = i;
            Gauge.builder("cairn.channel.lag", lag, l -> l.get(in))
                    .tags(tags.and("channel", inputs.get(i).toString())).baseUnit("records")
                    .description("records on the channel not yet read by its receiver").register(reg);
        }
    }
}
