package dev.cairn.core.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A job's checkpoint metrics, registered once and shared by the coordinators of its successive
 * epochs (a gauge registered again would keep reporting the first coordinator's value).
 * Names: {@code cairn.checkpoint.duration} (timer, trigger to manifest committed),
 * {@code cairn.checkpoint.size} (bytes referenced), {@code cairn.checkpoint.inflight.records}
 * (distribution summary: the in-flight records a completed checkpoint captured over all channels —
 * copied records in copy mode; in reference mode the offsets of the referenced ranges, an upper
 * bound, as a range may hold markers too), {@code cairn.checkpoint.completed},
 * {@code cairn.checkpoint.failed}, {@code cairn.checkpoint.aborted} (counters),
 * {@code cairn.checkpoint.last.completed.id} and {@code cairn.checkpoint.last.completed.time}
 * (gauges, the latter in epoch milliseconds); all tagged {@code job}.
 */
public final class CoordinatorMetrics {
    final Timer duration;
    final DistributionSummary size;
    final DistributionSummary inFlightRecords;
    final Counter completed;
    final Counter failed;
    final Counter aborted;
    final AtomicLong lastCompletedId = new AtomicLong();
    final AtomicLong lastCompletedMillis = new AtomicLong();

    public CoordinatorMetrics(MeterRegistry registry, String jobId) {
        Tags tags = Tags.of("job", jobId);
        this.duration = Timer.builder("cairn.checkpoint.duration").tags(tags)
                .description("trigger to manifest committed").register(registry);
        this.size = DistributionSummary.builder("cairn.checkpoint.size").tags(tags).baseUnit("bytes")
                .description("bytes referenced by a completed checkpoint").register(registry);
        this.inFlightRecords = DistributionSummary.builder("cairn.checkpoint.inflight.records").tags(tags)
                .description("in-flight records captured by a completed checkpoint (copied, or referenced offsets)")
                .register(registry);
        this.completed = Counter.builder("cairn.checkpoint.completed").tags(tags).register(registry);
        this.failed = Counter.builder("cairn.checkpoint.failed").tags(tags)
                .description("declined, timed out or not committed").register(registry);
        this.aborted = Counter.builder("cairn.checkpoint.aborted").tags(tags)
                .description("subsumed by a later checkpoint or dropped at stop").register(registry);
        Gauge.builder("cairn.checkpoint.last.completed.id", lastCompletedId, AtomicLong::get).tags(tags)
                .register(registry);
        Gauge.builder("cairn.checkpoint.last.completed.time", lastCompletedMillis, AtomicLong::get).tags(tags)
                .baseUnit("milliseconds").description("wall-clock time of the last completion").register(registry);
    }
}
