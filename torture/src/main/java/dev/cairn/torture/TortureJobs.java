package dev.cairn.torture;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.simulation.BankWorkload;
import dev.cairn.core.storage.StorageFs;
import dev.cairn.kafka.Delivery;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.RestartPolicy;
import dev.cairn.state.RocksDbStateBackend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The two jobs the torture harness runs, defined once for the harness (which audits them) and for
 * the node processes (which run them): the bank on a strongly connected graph, unbounded, and word
 * count, bounded, through an exactly-once sink.
 */
public final class TortureJobs {
    public static final int ACCOUNTS = 5;
    static final String[] ACCOUNT_IDS = {"a0", "a1", "a2", "a3", "a4"};

    private TortureJobs() {
    }

    /** Settings shared by both jobs. */
    public record Common(String bootstrap, String prefix, Path checkpoints, Path rocksdb, InFlightMode mode,
                         Duration heartbeat, Duration heartbeatTimeout, StorageFs fs) {
    }

    private static Job.Builder base(String jobId, Common c) {
        return Job.builder(jobId)
                .kafka(Map.of("bootstrap.servers", c.bootstrap()))
                .topicPrefix(c.prefix())
                .checkpointDirectory(c.checkpoints())
                .storageFileSystem(c.fs())
                .stateBackend(RocksDbStateBackend.builder().localDirectory(c.rocksdb()).build())
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(500)).timeout(Duration.ofSeconds(20))
                        .inFlight(c.mode()).tolerableFailures(1_000_000).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(500), 1_000_000))
                .heartbeat(c.heartbeat(), c.heartbeatTimeout())
                .startTimeout(Duration.ofMinutes(2));
    }

    /** The channels of the bank: a ring plus two chords. */
    static List<String[]> bankEdges() {
        List<String[]> edges = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            edges.add(new String[]{ACCOUNT_IDS[i], ACCOUNT_IDS[(i + 1) % ACCOUNTS]});
        }
        edges.add(new String[]{"a0", "a2"});
        edges.add(new String[]{"a3", "a1"});
        return edges;
    }

    /** The bank: a ticks source broadcasting to every account; accounts on a strongly connected graph. */
    public static Job bank(String jobId, String ticksTopic, Common c) {
        Job.Builder b = base(jobId, c).source("ticks", ticksTopic);
        List<String[]> edges = bankEdges();
        Random r = new Random(42);
        for (String id : ACCOUNT_IDS) {
            List<String> outs = new ArrayList<>();
            for (String[] e : edges) {
                if (e[0].equals(id)) {
                    outs.add(e[1]);
                }
            }
            long seed = r.nextLong();
            b.operator(id, () -> new BankWorkload.Account(outs, Set.of("ticks"), seed));
            b.channel("ticks", id);
        }
        for (String[] e : edges) {
            b.channel(e[0], e[1]);
        }
        return b.build();
    }

    /** Word count: bounded lines source chained with the splitter, two counters, an exactly-once sink. */
    public static Job wordcount(String jobId, String input, String output, Common c) {
        return base(jobId, c)
                .boundedSource("lines", input)
                .operator("split", Splitter::new)
                .operator("count", Counter::new, 2)
                .sink("out", output, Delivery.EXACTLY_ONCE)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .build();
    }

    /** Splits a line into words (maximal runs of non-whitespace); each word is its record's key. */
    static final class Splitter implements Operator {
        @Override
        public void process(Record record, Emitter out) {
            for (String w : new String(record.value(), StandardCharsets.UTF_8).split("\\s+")) {
                if (!w.isEmpty()) {
                    byte[] word = w.getBytes(StandardCharsets.UTF_8);
                    out.emit("count", word, word);
                }
            }
        }
    }

    /** Emits (word, new running count) for every occurrence. */
    static final class Counter implements Operator {
        private KeyedState<String, Long> counts;

        @Override
        public void open(OperatorContext context) {
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            String word = new String(record.value(), StandardCharsets.UTF_8);
            Long c = counts.get(word);
            long n = c == null ? 1 : c + 1;
            counts.put(word, n);
            out.emit("out", record.key(), ByteBuffer.allocate(8).putLong(n).array());
        }
    }
}
