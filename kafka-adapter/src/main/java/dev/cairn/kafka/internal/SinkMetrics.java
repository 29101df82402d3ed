package dev.cairn.kafka.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The metrics of one exactly-once sink, registered once per process and shared by the sink
 * instances of successive epochs (the gauges read what the current instance last set). Names are
 * listed in README.md ("Metrics"); all are tagged {@code job} and {@code sink}. The gauges hold
 * their values strongly, so they still read after the job closed (a weak reference reads NaN once
 * collected).
 */
final class SinkMetrics {
    final Counter commits;
    final Counter committedRecords;
    final Timer commitDuration;
    final AtomicLong pendingBatches = new AtomicLong();
    final AtomicLong pendingRecords = new AtomicLong();
    final AtomicLong pendingBytes = new AtomicLong();
    /** {@link System#nanoTime()} of the oldest record not yet committed, or -1 if there is none. */
    final AtomicLong oldestUncommittedNanos = new AtomicLong(-1);
    private final LongSupplier nanoTime;

    SinkMetrics(MeterRegistry reg, String job, String sink, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        Tags tags = Tags.of("job", job, "sink", sink);
        this.commits = Counter.builder("cairn.sink.commits").tags(tags)
                .description("Kafka transactions committed (completions and restores)").register(reg);
        this.committedRecords = Counter.builder("cairn.sink.committed.records").tags(tags)
                .description("records made visible to read_committed consumers").register(reg);
        this.commitDuration = Timer.builder("cairn.sink.commit.duration").tags(tags)
                .description("begin to end of a commit transaction (read_committed consumers of the topic wait this long)")
                .register(reg);
        Gauge.builder("cairn.sink.pending.batches", pendingBatches, AtomicLong::get).tags(tags).strongReference(true)
                .description("sealed batches (one per snapshot) not yet committed").register(reg);
        Gauge.builder("cairn.sink.pending.records", pendingRecords, AtomicLong::get).tags(tags).strongReference(true)
                .description("records held in memory, not yet committed (sealed and open batch)").register(reg);
        Gauge.builder("cairn.sink.pending.bytes", pendingBytes, AtomicLong::get).tags(tags).baseUnit("bytes").strongReference(true)
                .description("key and value bytes held in memory, not yet committed").register(reg);
        Gauge.builder("cairn.sink.pending.age", this, SinkMetrics::oldestUncommittedSeconds).tags(tags).baseUnit("seconds")
                .strongReference(true)
                .description("age of the oldest record not yet committed (0 if none)").register(reg);
    }

    double oldestUncommittedSeconds() {
        long t = oldestUncommittedNanos.get();
        return t < 0 ? 0 : (nanoTime.getAsLong() - t) / 1e9;
    }
}
