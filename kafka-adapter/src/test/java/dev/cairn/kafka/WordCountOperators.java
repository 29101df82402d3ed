package dev.cairn.kafka;

import dev.cairn.core.Emitter;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Word count written against the operator contract, as a user would. */
final class WordCountOperators {
    private WordCountOperators() {
    }

    /** Splits a line into words; each word is the key of its record. */
    static final class Splitter implements Operator {
        private final String to;

        Splitter(String to) {
            this.to = to;
        }

        @Override
        public void process(Record record, Emitter out) {
            for (String w : new String(record.value(), StandardCharsets.UTF_8).split("\\s+")) {
                if (!w.isEmpty()) {
                    byte[] word = w.getBytes(StandardCharsets.UTF_8);
                    out.emit(to, word, word);
                }
            }
        }
    }

    /**
     * Counts words and emits (word, new count). Fails once, when the process-wide counter of
     * processed words reaches {@code failAt} (0: never).
     */
    static final class Counter implements Operator {
        static final AtomicInteger PROCESSED = new AtomicInteger();
        private final String to;
        private final int failAt;
        private final AtomicInteger failures;
        private KeyedState<String, Long> counts;

        Counter(String to, int failAt, AtomicInteger failures) {
            this.to = to;
            this.failAt = failAt;
            this.failures = failures;
        }

        @Override
        public void open(OperatorContext context) {
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            if (failAt > 0 && PROCESSED.incrementAndGet() == failAt) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure after " + failAt + " words");
            }
            String word = new String(record.value(), StandardCharsets.UTF_8);
            Long c = counts.get(word);
            long n = c == null ? 1 : c + 1;
            counts.put(word, n);
            out.emit(to, record.key(), ByteBuffer.allocate(8).putLong(n).array());
        }
    }
}
