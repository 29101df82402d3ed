package dev.cairn.kafka;

import dev.cairn.core.Emitter;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CopyOnWriteArrayList;

/** Word count written against the operator contract, as a user would. */
final class WordCountOperators {
    private WordCountOperators() {
    }

    /**
     * Failures injected into the operators of one job at chosen points. Every {@code process} call
     * of every operator sharing this object is numbered (across instances, threads and epochs);
     * failure {@code i} is thrown by the first call numbered at or past its point that comes from an
     * operator instance opened after failure {@code i - 1} was thrown. Instances of an epoch that
     * already failed never throw again, so every failure causes a rollback of its own, and each
     * point is reached (the job processes every record at least once, and after a rollback the
     * failed record is processed again by a new instance).
     */
    static final class Failures {
        static final Failures NONE = new Failures(Set.of());

        private final int[] points;
        private int next;
        private int generation;
        private long calls;
        private final List<String> injected = new CopyOnWriteArrayList<>();
        private volatile BooleanSupplier open = () -> true;

        Failures(Set<Integer> points) {
            this.points = new TreeSet<>(points).stream().mapToInt(Integer::intValue).toArray();
        }

        /** {@code count} distinct points in {@code [1, maxCall]}, drawn from {@code random}. */
        static Failures atRandom(Random random, int count, int maxCall) {
            if (count > maxCall) {
                throw new IllegalArgumentException("cannot choose " + count + " of " + maxCall + " calls");
            }
            Set<Integer> at = new TreeSet<>();
            while (at.size() < count) {
                at.add(1 + random.nextInt(maxCall));
            }
            return new Failures(at);
        }

        /**
         * Holds every failure back until {@code gate} is true (then a failure whose point has passed
         * is thrown at the next eligible call); e.g. until a checkpoint completed, so that the
         * rollbacks restore state rather than start afresh.
         */
        Failures onlyAfter(BooleanSupplier gate) {
            this.open = gate;
            return this;
        }

        /** The generation an operator instance belongs to; call it in {@code open}. */
        synchronized int generation() {
            return generation;
        }

        void maybeFail(String operator, int instanceGeneration) {
            if (points.length == 0) {
                return;
            }
            long n;
            synchronized (this) {
                n = ++calls;
                if (next == points.length || n < points[next] || instanceGeneration != generation
                        || !open.getAsBoolean()) {
                    return;
                }
                injected.add(operator + "@" + n);
                next++;
                generation++;
            }
            throw new IllegalStateException("injected failure of '" + operator + "' at call " + n);
        }

        /** The failures that happened, as {@code operator@call}. */
        List<String> injected() {
            return List.copyOf(injected);
        }

        @Override
        public synchronized String toString() {
            return "failures at calls " + java.util.Arrays.toString(points) + ", injected " + injected;
        }
    }

    /**
     * Splits a line into words; each word is the key of its record. Optionally paced (a pause per
     * line), so that a bounded input takes long enough for checkpoints to complete while it runs.
     */
    static final class Splitter implements Operator {
        private final String to;
        private final Failures failures;
        private final long paceNanos;
        private String id = "split";

        Splitter(String to) {
            this(to, Failures.NONE, 0);
        }

        Splitter(String to, Failures failures, long paceNanos) {
            this.to = to;
            this.failures = failures;
            this.paceNanos = paceNanos;
        }

        private int generation;

        @Override
        public void open(OperatorContext context) {
            id = context.operatorId();
            generation = failures.generation();
        }

        @Override
        public void process(Record record, Emitter out) {
            failures.maybeFail(id, generation);
            if (paceNanos > 0) {
                LockSupport.parkNanos(paceNanos);
            }
            for (String w : new String(record.value(), StandardCharsets.UTF_8).split("\\s+")) {
                if (!w.isEmpty()) {
                    byte[] word = w.getBytes(StandardCharsets.UTF_8);
                    out.emit(to, word, word);
                }
            }
        }
    }

    /** Counts words and emits (word, new count) as an 8-byte long. */
    static final class Counter implements Operator {
        private final String to;
        private final Failures failures;
        private String id = "count";
        private int generation;
        private KeyedState<String, Long> counts;

        Counter(String to) {
            this(to, Failures.NONE);
        }

        Counter(String to, Failures failures) {
            this.to = to;
            this.failures = failures;
        }

        @Override
        public void open(OperatorContext context) {
            id = context.operatorId();
            generation = failures.generation();
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            failures.maybeFail(id, generation);
            String word = new String(record.value(), StandardCharsets.UTF_8);
            Long c = counts.get(word);
            long n = c == null ? 1 : c + 1;
            counts.put(word, n);
            out.emit(to, record.key(), ByteBuffer.allocate(8).putLong(n).array());
        }
    }

    /**
     * A second stateful step behind a {@link Counter}, meant to be chained with it: it keeps its own
     * count per word and expects each incoming count to be one more than the last it saw. If the two
     * steps' states were not snapshotted and restored together, an incoming count would disagree
     * with its own; every disagreement is collected in {@code mismatches}. Emits (word, own count).
     */
    static final class Tally implements Operator {
        private final String to;
        private final Failures failures;
        private final List<String> mismatches;
        private String id = "tally";
        private int generation;
        private KeyedState<String, Long> seen;

        Tally(String to, Failures failures, List<String> mismatches) {
            this.to = to;
            this.failures = failures;
            this.mismatches = mismatches;
        }

        @Override
        public void open(OperatorContext context) {
            id = context.operatorId();
            generation = failures.generation();
            seen = context.state().keyed("seen", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            failures.maybeFail(id, generation);
            String word = new String(record.key(), StandardCharsets.UTF_8);
            long counted = ByteBuffer.wrap(record.value()).getLong();
            Long s = seen.get(word);
            long n = s == null ? 1 : s + 1;
            if (counted != n) {
                mismatches.add("'" + id + "': '" + word + "' counted " + counted + " upstream but " + n + " here");
            }
            seen.put(word, n);
            out.emit(to, record.key(), ByteBuffer.allocate(8).putLong(n).array());
        }
    }
}
