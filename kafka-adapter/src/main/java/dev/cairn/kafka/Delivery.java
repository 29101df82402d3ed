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
     * covers it is complete. <b>Not available yet:</b> {@code Job.Builder.sink} refuses it with a
     * configuration error (design: docs/EXACTLY-ONCE-SPIKE.md).
     */
    EXACTLY_ONCE
}
