package dev.cairn.kafka.internal;

import dev.cairn.core.Operator;
import dev.cairn.kafka.Delivery;

import java.util.function.Supplier;

/**
 * One operator of the job as the user declared it, before chains and parallelism are expanded.
 *
 * @param id          the user's id
 * @param kind        what it is
 * @param factory     a new instance per physical instance (user operators), else null
 * @param topic       the external topic of a source or sink, else null
 * @param bounded     sources: stop at the end offsets found at the job's first start
 * @param delivery    sinks: the guarantee
 * @param parallelism instances
 */
public record LogicalOp(String id, Kind kind, Supplier<? extends Operator> factory, String topic, boolean bounded,
                        Delivery delivery, int parallelism) {
    /** What a logical operator is. */
    public enum Kind { SOURCE, OPERATOR, SINK }
}
