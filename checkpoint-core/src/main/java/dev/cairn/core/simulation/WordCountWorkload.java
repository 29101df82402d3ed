package dev.cairn.core.simulation;

import dev.cairn.core.Emitter;
import dev.cairn.core.KeyValue;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Word count on a DAG: sources read lines and pass each to a splitter (by hash), splitters split
 * lines into words and route each word to a counter (by hash), counters emit the word's new
 * running count to the sink, which keeps the last count per word. In every consistent snapshot,
 * for every word: counted + in flight + not yet read = its occurrences in the input; and the sink
 * plus the counts in flight to it equal the counter's count.
 */
public final class WordCountWorkload implements Workload {
    private static final String[] VOCABULARY = {"a", "b", "c", "d", "e", "f", "g", "h"};

    private final Topology topology;
    private final List<String> splitters = new ArrayList<>();
    private final List<String> counters = new ArrayList<>();
    private final Map<String, List<byte[][]>> external = new LinkedHashMap<>();
    private final Map<String, List<String>> lines = new LinkedHashMap<>();
    private final Map<String, Long> totals = new TreeMap<>();

    public WordCountWorkload(Random random, int linesPerSource) {
        int sources = 1 + random.nextInt(2);
        int splitterCount = 1 + random.nextInt(3);
        int counterCount = 1 + random.nextInt(3);
        Topology.Builder b = Topology.builder();
        for (int i = 0; i < sources; i++) {
            b.source("src" + i, "lines" + i);
        }
        for (int i = 0; i < splitterCount; i++) {
            splitters.add("split" + i);
            b.operator("split" + i);
        }
        for (int i = 0; i < counterCount; i++) {
            counters.add("count" + i);
            b.operator("count" + i);
        }
        b.operator("sink", java.util.Set.of(), java.util.Set.of("out"));
        for (int i = 0; i < sources; i++) {
            for (String s : splitters) {
                b.channel("src" + i, s);
            }
        }
        for (String s : splitters) {
            for (String c : counters) {
                b.channel(s, c);
            }
        }
        for (String c : counters) {
            b.channel(c, "sink");
        }
        this.topology = b.build();
        for (int i = 0; i < sources; i++) {
            List<byte[][]> recs = new ArrayList<>();
            List<String> text = new ArrayList<>();
            for (int l = 0; l < linesPerSource; l++) {
                StringBuilder line = new StringBuilder();
                int words = random.nextInt(5);
                for (int w = 0; w < words; w++) {
                    String word = VOCABULARY[random.nextInt(VOCABULARY.length)];
                    line.append(w == 0 ? "" : " ").append(word);
                    totals.merge(word, 1L, Long::sum);
                }
                text.add(line.toString());
                recs.add(new byte[][]{null, line.toString().getBytes(StandardCharsets.UTF_8)});
            }
            external.put("lines" + i, recs);
            lines.put("lines" + i, text);
        }
    }

    @Override
    public String name() {
        return "wordcount";
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public Map<String, List<byte[][]>> externalInputs() {
        return external;
    }

    @Override
    public Operator create(String operatorId) {
        if (operatorId.startsWith("src")) {
            return (record, out) -> out.emit(splitters.get(Math.floorMod(hash(record.value()), splitters.size())),
                    null, record.value());
        }
        if (operatorId.startsWith("split")) {
            return (record, out) -> {
                for (String w : words(record.value())) {
                    byte[] word = w.getBytes(StandardCharsets.UTF_8);
                    out.emit(counters.get(Math.floorMod(hash(word), counters.size())), word, word);
                }
            };
        }
        if (operatorId.startsWith("count")) {
            return new Counter();
        }
        return new Sink();
    }

    private static int hash(byte[] b) {
        return java.util.Arrays.hashCode(b);
    }

    private static List<String> words(byte[] line) {
        List<String> out = new ArrayList<>();
        for (String w : new String(line, StandardCharsets.UTF_8).split(" ")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    @Override
    public Object view(String operatorId, StateRegistry state) {
        if (operatorId.startsWith("count") || operatorId.equals("sink")) {
            Map<String, Long> m = new TreeMap<>();
            try (KeyValueIterator<String, Long> it = state.keyed("counts", Serdes.string(), Serdes.longs()).all()) {
                while (it.hasNext()) {
                    KeyValue<String, Long> kv = it.next();
                    m.put(kv.key(), kv.value());
                }
            }
            return m;
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> checkSnapshot(Map<String, Object> views, Map<ChannelId, List<byte[]>> inFlight,
                                      Map<String, Long> externalOffsets) {
        Map<String, Long> seen = new TreeMap<>();
        Map<String, Long> counted = new TreeMap<>();
        for (String c : counters) {
            Map<String, Long> m = (Map<String, Long>) views.get(c);
            if (m != null) {
                m.forEach((w, n) -> {
                    counted.merge(w, n, Long::sum);
                    seen.merge(w, n, Long::sum);
                });
            }
        }
        Map<String, Long> toSink = new TreeMap<>();
        for (Map.Entry<ChannelId, List<byte[]>> e : inFlight.entrySet()) {
            String to = e.getKey().to();
            for (byte[] v : e.getValue()) {
                if (to.startsWith("split")) {
                    for (String w : words(v)) {
                        seen.merge(w, 1L, Long::sum);
                    }
                } else if (to.startsWith("count")) {
                    seen.merge(new String(v, StandardCharsets.UTF_8), 1L, Long::sum);
                } else {
                    toSink.merge(new String(v, 0, v.length - Long.BYTES, StandardCharsets.UTF_8), 1L, Long::sum);
                }
            }
        }
        for (Map.Entry<String, List<String>> e : lines.entrySet()) {
            long from = externalOffsets.getOrDefault(e.getKey(), 0L);
            for (int i = (int) from; i < e.getValue().size(); i++) {
                for (String w : words(e.getValue().get(i).getBytes(StandardCharsets.UTF_8))) {
                    seen.merge(w, 1L, Long::sum);
                }
            }
        }
        List<String> violations = new ArrayList<>();
        if (!seen.equals(totals)) {
            violations.add("word occurrences counted + in flight + unread " + seen + " != input " + totals);
        }
        Map<String, Long> sink = (Map<String, Long>) views.getOrDefault("sink", Map.of());
        Map<String, Long> sinkSide = new TreeMap<>(sink == null ? Map.of() : sink);
        Map<String, Long> expectedSink = new TreeMap<>(counted);
        Map<String, Long> actual = new TreeMap<>(sinkSide);
        toSink.forEach((w, n) -> actual.merge(w, n, Long::sum));
        if (!actual.equals(expectedSink)) {
            violations.add("sink counts + counts in flight to the sink " + actual + " != counter counts " + expectedSink);
        }
        return violations;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> checkFinal(Map<String, Object> views) {
        List<String> violations = new ArrayList<>();
        Map<String, Long> counted = new TreeMap<>();
        for (String c : counters) {
            Map<String, Long> m = (Map<String, Long>) views.get(c);
            if (m != null) {
                m.forEach((w, n) -> counted.merge(w, n, Long::sum));
            }
        }
        if (!counted.equals(totals)) {
            violations.add("final counts " + counted + " != input " + totals);
        }
        Map<String, Long> sink = (Map<String, Long>) views.get("sink");
        if (!totals.equals(sink == null ? Map.of() : sink)) {
            violations.add("final sink counts " + sink + " != input " + totals);
        }
        return violations;
    }

    /** Counts words; emits word + new count. */
    static final class Counter implements Operator {
        private KeyedState<String, Long> counts;

        @Override
        public void open(OperatorContext context) {
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            String word = new String(record.value(), StandardCharsets.UTF_8);
            long n = counts.get(word) == null ? 1 : counts.get(word) + 1;
            counts.put(word, n);
            byte[] w = record.value();
            byte[] value = java.nio.ByteBuffer.allocate(w.length + Long.BYTES).put(w).putLong(n).array();
            out.emit("sink", record.key(), value);
        }
    }

    /** Keeps the last count per word and writes it out. */
    static final class Sink implements Operator {
        private KeyedState<String, Long> last;

        @Override
        public void open(OperatorContext context) {
            last = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            byte[] v = record.value();
            String word = new String(v, 0, v.length - Long.BYTES, StandardCharsets.UTF_8);
            long n = java.nio.ByteBuffer.wrap(v, v.length - Long.BYTES, Long.BYTES).getLong();
            last.put(word, n);
            out.emit("out", record.key(), v);
        }
    }
}
