package dev.cairn.kafka;

/** What a sink guarantees about the records it writes to its topic. */
public enum Delivery {
    /**
     * Every record reaches the topic at least once; after a restore, records emitted since the
     * restored checkpoint are written again. The default.
     */
    AT_LEAST_ONCE,
    /**
     * A consumer reading with {@code isolation.level=read_committed} sees every record exactly once,
     * about one checkpoint interval late: output is made visible only after the checkpoint that
     * covers it is complete (one Kafka transaction per completed checkpoint, with a commit marker;
     * a restore commits what the restored checkpoint staged). A {@code read_uncommitted} consumer
     * may also see records of aborted commits. The sink holds its output since the last
     * completion in memory and in each checkpoint. Protocol, failure cases and the stalled-consumer
     * hazard: docs/ARCHITECTURE.md, "The exactly-once sink"; operators: {@link SinkTransactions}.
     */
    EXACTLY_ONCE
}
