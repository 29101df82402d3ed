package dev.cairn.bench;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.ValueState;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.Delivery;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.JobListener;
import dev.cairn.kafka.RunningJob;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.state.RocksDbStateBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Pipelines side by side on the in-process broker, in one run (issue 8 and the "Measure" section of
 * issue 5):
 *
 * <ol>
 *   <li><b>wordcount</b>: lines of words in, one (word, running count) out per occurrence; wall time
 *       from starting the pipeline until every output is readable. Raw Kafka clients with a
 *       HashMap, Kafka Streams (at_least_once and exactly_once_v2), cairn (at-least-once and
 *       exactly-once sink; a sink cairn refuses at build time is reported as not available).</li>
 *   <li><b>stateless</b>: a 4-operator pass-through pipeline, cairn with checkpoints every interval
 *       and with periodic checkpoints off, and raw clients doing the same hops (the limit).</li>
 *   <li><b>checkpoint</b>: the stateless cairn pipeline fed at half of its measured saturation
 *       throughput: checkpoint duration (trigger to manifest committed) and end-to-end latency.</li>
 *   <li><b>backlog</b>: a million records queued on one channel in front of a slow operator,
 *       reference mode: checkpoint duration while the backlog stands.</li>
 *   <li><b>bank</b>: a cyclic topology; records processed per second with checkpoints (copy and
 *       reference mode) and without.</li>
 *   <li><b>restore</b>: a million keys of state; Kafka Streams restoring its changelog onto an empty
 *       state directory vs cairn restoring its final checkpoint, start → first new output.</li>
 * </ol>
 *
 * Every round runs each variant once, the order rotated from round to round (interleaved), after a
 * warm-up round whose figures are dropped. Records carry their own send time in the value
 * (channels send a null timestamp), so latency is measured from the value.
 *
 * <p>Usage: {@code PipelineBenchmark [--quick] [--workloads wordcount,stateless,checkpoint,backlog,bank,restore]
 * [--wordcount-variants raw,streams-alos,streams-eos,cairn-alos,cairn-eos] [--rounds N] [--lines N]
 * [--records N] [--interval-ms 1000] [--paced-seconds S] [--backlog-records N] [--backlog-seconds S]
 * [--restore-keys N] [--dir PATH] [--out benchmarks/results] [--name pipeline]}
 */
public final class PipelineBenchmark {
    static final int WORDS_PER_LINE = 10;
    static final int VOCABULARY = 100_000;
    static final int VALUE_BYTES = 100;

    boolean quick;
    List<String> workloads = List.of("wordcount", "stateless", "checkpoint", "backlog", "bank", "restore");
    List<String> wordcountVariants = List.of("raw", "streams-alos", "streams-eos", "cairn-alos", "cairn-eos");
    List<String> statelessVariants = List.of("raw", "cairn-checkpoints", "cairn-no-checkpoints");
    int rounds = 3;
    int lines = 200_000;
    int records = 300_000;
    long intervalMs = 1000;
    int pacedSeconds = 45;
    int backlogRecords = 1_000_000;
    int backlogSeconds = 25;
    int restoreKeys = 1_000_000;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "cairn-bench-pipeline");
    Path out = Path.of("benchmarks/results");
    String name = "pipeline";
    final String command;

    EmbeddedKafkaBroker broker;
    int runSeq;
    final Map<String, Object> results = new LinkedHashMap<>();
    final Map<String, Object> workloadSeconds = new LinkedHashMap<>();
    final StringBuilder md = new StringBuilder();
    String loadAtStart;
    final long startNanos = System.nanoTime();

    PipelineBenchmark(String[] args) {
        command = String.join(" ", args);
        List<String> a = List.of(args);
        if (a.contains("--quick")) {
            quick = true;
            rounds = 1;
            lines = 20_000;
            records = 50_000;
            pacedSeconds = 15;
            backlogRecords = 1_000_000;
            backlogSeconds = 15;
            restoreKeys = 100_000;
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            String v = args[++i];
            switch (args[i - 1]) {
                case "--workloads" -> workloads = List.of(v.split(","));
                case "--wordcount-variants" -> wordcountVariants = List.of(v.split(","));
                case "--stateless-variants" -> statelessVariants = List.of(v.split(","));
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--lines" -> lines = Integer.parseInt(v);
                case "--records" -> records = Integer.parseInt(v);
                case "--interval-ms" -> intervalMs = Long.parseLong(v);
                case "--paced-seconds" -> pacedSeconds = Integer.parseInt(v);
                case "--backlog-records" -> backlogRecords = Integer.parseInt(v);
                case "--backlog-seconds" -> backlogSeconds = Integer.parseInt(v);
                case "--restore-keys" -> restoreKeys = Integer.parseInt(v);
                case "--dir" -> dir = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--name" -> name = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.streams", "error");
        new PipelineBenchmark(args).run();
        System.exit(0);
    }

    void run() throws Exception {
        loadAtStart = loadAverage();
        deleteTree(dir);
        Files.createDirectories(dir);
        Files.createDirectories(out);
        try (EmbeddedKafkaBroker b = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("broker")).start()) {
            broker = b;
            for (String w : workloads) {
                long t0 = System.nanoTime();
                try {
                    switch (w) {
                        case "wordcount" -> wordcount();
                        case "stateless" -> stateless();
                        case "checkpoint" -> pacedCheckpoints();
                        case "backlog" -> backlog();
                        case "restore" -> restore();
                        case "bank" -> bank();
                        default -> throw new IllegalArgumentException("unknown workload " + w);
                    }
                } catch (Exception e) {
                    // one broken workload must not cost the others' figures: record it and go on
                    e.printStackTrace();
                    results.put(w, Map.of("failed", String.valueOf(e)));
                    md.append("## ").append(w).append("\n\n**Failed**: ").append(e).append("\n\n");
                }
                workloadSeconds.put(w, ms(System.nanoTime() - t0) / 1000);
                write(); // after every workload: a partial result survives an interrupted run
            }
        } finally {
            deleteTree(dir);
        }
        System.out.println(markdown());
    }

    // ------------------------------------------------------------------------------------------
    // word count

    /** One timed run of one variant. */
    record Run(String variant, int round, long records, long wallNanos, long firstOutputNanos, String note,
               Map<String, Object> extra) {
        double perSecond() {
            return records / (wallNanos / 1e9);
        }

        /** Throughput from the first output to the last: start-up left out. */
        double steadyPerSecond() {
            return records / (Math.max(1, wallNanos - firstOutputNanos) / 1e9);
        }
    }

    void wordcount() throws Exception {
        String in = "wc-in";
        broker.createTopic(in, 1);
        SplittableRandom random = new SplittableRandom(8);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                line.setLength(0);
                for (int w = 0; w < WORDS_PER_LINE; w++) {
                    line.append(w == 0 ? "" : " ").append('w').append(random.nextInt(VOCABULARY));
                }
                p.send(new ProducerRecord<>(in, null, line.toString().getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        log("wordcount: %d lines produced in %d ms", lines, ms(System.nanoTime() - t0));
        long expected = (long) lines * WORDS_PER_LINE;
        Map<String, String> hops = new LinkedHashMap<>();
        hops.put("raw", "3 topics (in → words → out), 2 consume-process-produce stages");
        hops.put("streams-alos", "3 topics (in → repartition → out) + the count store's changelog (written, not read)");
        hops.put("streams-eos", "3 topics (in → repartition → out) + the count store's changelog (written, not read)");
        hops.put("cairn-alos", "3 topics (in → split--count channel → out) + the control topic; state in RocksDB, no changelog");
        hops.put("cairn-eos", "3 topics (in → split--count channel → out) + the control topic; transactional sink");
        List<Run> runs = rounds("wordcount", wordcountVariants, (variant, round) -> wordcountRun(variant, round, in, expected));
        summarise("wordcount", "words/s", runs, hops, List.of(
                new Ratio("cairn-alos", "raw", 0.8, "cairn at-least-once / raw clients (issue 8 target for exactly-once: ≥ 0.8)"),
                new Ratio("cairn-eos", "raw", 0.8, "cairn exactly-once / raw clients (target ≥ 0.8)"),
                new Ratio("cairn-eos", "streams-eos", 1.5, "cairn exactly-once / Kafka Streams exactly_once_v2 (target ≥ 1.5)"),
                new Ratio("cairn-eos", "cairn-alos", 0, "cairn exactly-once / cairn at-least-once (issue 6: the cost of the transactional sink)"),
                new Ratio("cairn-alos", "streams-alos", 0, "cairn at-least-once / Kafka Streams at_least_once"),
                new Ratio("cairn-alos", "streams-eos", 0, "cairn at-least-once / Kafka Streams exactly_once_v2"),
                new Ratio("streams-eos", "raw", 0, "Kafka Streams exactly_once_v2 / raw clients")),
                String.format(Locale.ROOT, "%d lines × %d words from a %d-word vocabulary (%d occurrences; every"
                        + " occurrence emits the word's running count). Time: start of the pipeline → all %d outputs"
                        + " readable (read_committed). Kafka Streams: commit.interval.ms=%d, statestore.cache.max.bytes=0."
                        + " cairn: checkpoints every %d ms (unaligned, copy mode), RocksDB state, lines+split and"
                        + " count+sink chained.", lines, WORDS_PER_LINE, VOCABULARY, expected, expected, intervalMs, intervalMs));
    }

    interface RunFn {
        Run run(String variant, int round) throws Exception;
    }

    /** A warm-up round (dropped), then {@link #rounds} rounds with the order of variants rotated. */
    List<Run> rounds(String workload, List<String> variants, RunFn fn) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            if (round == 0 && quick) {
                continue;
            }
            List<String> order = new ArrayList<>(variants);
            Collections.rotate(order, -round);
            for (String v : order) {
                Run r = fn.run(v, round);
                log("%s %s round %d%s: %s", workload, v, round, round == 0 ? " (warm-up, dropped)" : "",
                        r.note() != null ? r.note() : String.format(Locale.ROOT, "%.0f/s, wall %d ms, first output after %d ms",
                                r.perSecond(), ms(r.wallNanos()), ms(r.firstOutputNanos())));
                if (round > 0) {
                    runs.add(r);
                }
            }
        }
        return runs;
    }

    Run wordcountRun(String variant, int round, String in, long all) throws Exception {
        long expected = round == 0 ? all / 5 : all; // the warm-up round stops after a fifth of the outputs
        String outTopic = "wc-out-" + (++runSeq);
        broker.createTopic(outTopic, 1);
        boolean committed = true;
        switch (variant) {
            case "raw" -> {
                String words = "wc-words-" + runSeq;
                broker.createTopic(words, 1);
                try (OutputReader reader = new OutputReader(outTopic, expected, committed, false)) {
                    long t0 = System.nanoTime();
                    reader.start(t0);
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread split = stage("raw-split", in, words, stop, (rec, send) -> {
                        for (String w : new String(rec.value(), StandardCharsets.UTF_8).split(" ")) {
                            byte[] b = w.getBytes(StandardCharsets.UTF_8);
                            send.accept(b, b);
                        }
                    });
                    Map<String, Long> counts = new HashMap<>();
                    Thread count = stage("raw-count", words, outTopic, stop, (rec, send) -> {
                        long n = counts.merge(new String(rec.value(), StandardCharsets.UTF_8), 1L, Long::sum);
                        send.accept(rec.key(), longBytes(n));
                    });
                    reader.await(timeout(expected));
                    stop.set(true);
                    split.join();
                    count.join();
                    return reader.run(variant, round, null, Map.of());
                }
            }
            case "streams-alos", "streams-eos" -> {
                Properties p = new Properties();
                p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-wc-" + variant + "-" + runSeq);
                p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams").toString());
                p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                        variant.equals("streams-eos") ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
                p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, intervalMs);
                p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
                p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
                StreamsBuilder sb = new StreamsBuilder();
                sb.stream(in, Consumed.with(org.apache.kafka.common.serialization.Serdes.ByteArray(),
                                org.apache.kafka.common.serialization.Serdes.String()))
                        .flatMap((k, line) -> {
                            List<KeyValue<String, String>> ws = new ArrayList<>(WORDS_PER_LINE);
                            for (String w : line.split(" ")) {
                                ws.add(KeyValue.pair(w, w));
                            }
                            return ws;
                        })
                        .groupByKey(Grouped.with(org.apache.kafka.common.serialization.Serdes.String(),
                                org.apache.kafka.common.serialization.Serdes.String()))
                        .count(Materialized.as("counts"))
                        .toStream()
                        .to(outTopic, Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                                org.apache.kafka.common.serialization.Serdes.Long()));
                try (OutputReader reader = new OutputReader(outTopic, expected, committed, false)) {
                    long t0 = System.nanoTime();
                    reader.start(t0);
                    KafkaStreams streams = new KafkaStreams(sb.build(), p);
                    try {
                        streams.start();
                        reader.await(timeout(expected));
                    } finally {
                        streams.close(Duration.ofSeconds(60));
                        streams.cleanUp();
                    }
                    return reader.run(variant, round, null, Map.of());
                }
            }
            case "cairn-alos", "cairn-eos" -> {
                Delivery delivery = variant.equals("cairn-eos") ? Delivery.EXACTLY_ONCE : Delivery.AT_LEAST_ONCE;
                Checkpoints cps = new Checkpoints();
                Job job;
                try {
                    job = cairn("wc-" + runSeq, cps, CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs)).build())
                            .source("lines", in)
                            .operator("split", () -> new Splitter("count"))
                            .operator("count", () -> new Counter("out"))
                            .sink("out", outTopic, delivery)
                            .channel("lines", "split").channel("split", "count").channel("count", "out")
                            .chain("lines", "split").chain("count", "out")
                            .build();
                } catch (CairnException refused) {
                    return new Run(variant, round, 0, 0, 0, "not available: " + refused.getMessage(), Map.of());
                }
                try (OutputReader reader = new OutputReader(outTopic, expected, committed, false)) {
                    long t0 = System.nanoTime();
                    reader.start(t0);
                    try (RunningJob running = job.start()) {
                        reader.await(timeout(expected), running);
                    }
                    return reader.run(variant, round, null, cps.summary());
                } finally {
                    deleteTree(dir.resolve("cairn"));
                }
            }
            default -> throw new IllegalArgumentException("unknown word count variant " + variant);
        }
    }

    Duration timeout(long expected) {
        return Duration.ofSeconds(120 + expected / 5_000);
    }

    /** Splits a line into words; each word is key and value of its record. */
    static final class Splitter implements Operator {
        private final String to;

        Splitter(String to) {
            this.to = to;
        }

        @Override
        public void process(Record record, Emitter out) {
            for (String w : new String(record.value(), StandardCharsets.UTF_8).split(" ")) {
                byte[] word = w.getBytes(StandardCharsets.UTF_8);
                out.emit(to, word, word);
            }
        }
    }

    /** Counts words in RocksDB state and emits (word, running count). */
    static final class Counter implements Operator {
        private final String to;
        private KeyedState<String, Long> counts;

        Counter(String to) {
            this.to = to;
        }

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
            out.emit(to, record.key(), longBytes(n));
        }
    }

    // ------------------------------------------------------------------------------------------
    // stateless 4-operator pipeline

    /** Forwards every record unchanged. */
    static final class Forward implements Operator {
        private final String to;

        Forward(String to) {
            this.to = to;
        }

        @Override
        public void process(Record record, Emitter out) {
            out.emit(to, record.key(), record.value());
        }
    }

    static final String[] STAGES = {"op1", "op2", "op3", "op4"};

    Job.Builder statelessJob(String id, String in, String outTopic, CheckpointConfig config, Checkpoints cps) {
        Job.Builder b = cairn(id, cps, config).source("src", in);
        for (int i = 0; i < STAGES.length; i++) {
            String to = i + 1 < STAGES.length ? STAGES[i + 1] : "out";
            b.operator(STAGES[i], () -> new Forward(to));
        }
        b.sink("out", outTopic);
        b.channel("src", "op1").channel("op1", "op2").channel("op2", "op3").channel("op3", "op4").channel("op4", "out");
        return b.chain("src", "op1").chain("op4", "out");
    }

    void produceTimestamped(String topic, int n) {
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, null, timestamped(System.nanoTime())));
            }
            p.flush();
        }
    }

    double statelessSaturation = Double.NaN;

    void stateless() throws Exception {
        String in = "pass-in";
        broker.createTopic(in, 1);
        long t0 = System.nanoTime();
        produceTimestamped(in, records);
        log("stateless: %d records produced in %d ms", records, ms(System.nanoTime() - t0));
        Map<String, String> hops = new LinkedHashMap<>();
        String h = "5 topics (in → 3 channels → out), 4 consume-process-produce stages";
        hops.put("raw", h);
        hops.put("cairn-checkpoints", h + " (src+op1 and op4+sink chained) + the control topic");
        hops.put("cairn-no-checkpoints", h + " (src+op1 and op4+sink chained) + the control topic");
        List<Run> runs = rounds("stateless", statelessVariants, (variant, round) -> statelessRun(variant, round, in));
        Map<String, Object> s = summarise("stateless", "records/s", runs, hops, List.of(
                new Ratio("cairn-checkpoints", "cairn-no-checkpoints", 0.97, "checkpoints every interval / checkpoints off (target ≥ 0.97)"),
                new Ratio("cairn-checkpoints", "raw", 0.85, "cairn (checkpoints on) / raw clients over the same hops (target ≥ 0.85)"),
                new Ratio("cairn-no-checkpoints", "raw", 0, "cairn (checkpoints off) / raw clients")),
                String.format(Locale.ROOT, "%d records of %d B through src → op1 → op2 → op3 → op4 → sink, every"
                        + " operator forwarding its input unchanged. Time: start → all %d outputs readable."
                        + " cairn: checkpoints every %d ms (unaligned, copy mode) vs periodic(false).",
                        records, VALUE_BYTES, records, intervalMs));
        @SuppressWarnings("unchecked")
        Map<String, Object> med = (Map<String, Object>) s.get("median");
        Object sat = med.get("cairn-checkpoints");
        if (sat instanceof Double d) {
            statelessSaturation = d;
        }
    }

    Run statelessRun(String variant, int round, String in) throws Exception {
        long expected = round == 0 ? records / 5 : records; // the warm-up round stops after a fifth
        String outTopic = "pass-out-" + (++runSeq);
        broker.createTopic(outTopic, 1);
        switch (variant) {
            case "raw" -> {
                String[] topics = {in, "pass-a-" + runSeq, "pass-b-" + runSeq, "pass-c-" + runSeq, outTopic};
                for (int i = 1; i < 4; i++) {
                    broker.createTopic(topics[i], 1);
                }
                try (OutputReader reader = new OutputReader(outTopic, expected, true, false)) {
                    reader.start(System.nanoTime());
                    AtomicBoolean stop = new AtomicBoolean();
                    List<Thread> threads = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        threads.add(stage("raw-op" + (i + 1), topics[i], topics[i + 1], stop,
                                (rec, send) -> send.accept(rec.key(), rec.value())));
                    }
                    reader.await(timeout(expected));
                    stop.set(true);
                    for (Thread t : threads) {
                        t.join();
                    }
                    return reader.run(variant, round, null, Map.of());
                }
            }
            case "cairn-checkpoints", "cairn-no-checkpoints" -> {
                CheckpointConfig.Builder cb = CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs));
                if (variant.equals("cairn-no-checkpoints")) {
                    cb.periodic(false);
                }
                Checkpoints cps = new Checkpoints();
                Job job = statelessJob("pass-" + runSeq, in, outTopic, cb.build(), cps).build();
                try (OutputReader reader = new OutputReader(outTopic, expected, true, false)) {
                    reader.start(System.nanoTime());
                    try (RunningJob running = job.start()) {
                        reader.await(timeout(expected), running);
                    }
                    return reader.run(variant, round, null, cps.summary());
                } finally {
                    deleteTree(dir.resolve("cairn"));
                }
            }
            default -> throw new IllegalArgumentException("unknown stateless variant " + variant);
        }
    }

    // ------------------------------------------------------------------------------------------
    // checkpoint duration at half of saturation

    void pacedCheckpoints() throws Exception {
        double saturation = statelessSaturation;
        String source = "the median of the stateless cairn-checkpoints rounds of this run";
        if (Double.isNaN(saturation)) {
            saturation = 40_000;
            source = "a fixed 40,000 records/s (the stateless workload was not run)";
        }
        int rate = (int) (saturation / 2);
        String in = "paced-in-" + (++runSeq);
        String outTopic = "paced-out-" + runSeq;
        broker.createTopic(in, 1);
        broker.createTopic(outTopic, 1);
        Checkpoints cps = new Checkpoints();
        cps.ignoreBeforeNanos = System.nanoTime() + 5_000_000_000L; // the first seconds: start-up
        MeterRegistry registry = registry();
        Job job = statelessJob("paced-" + runSeq, in, outTopic,
                CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs)).build(), cps)
                .meterRegistry(registry).build();
        long total = (long) rate * pacedSeconds;
        log("checkpoint: feeding %d records/s for %d s (half of %.0f/s, %s)", rate, pacedSeconds, saturation, source);
        Histogram latency;
        long produced;
        try (OutputReader reader = new OutputReader(outTopic, total, true, true);
             RunningJob running = job.start()) {
            reader.latencyFromNanos = cps.ignoreBeforeNanos;
            reader.start(System.nanoTime());
            produced = pace(in, rate, pacedSeconds);
            reader.expected = produced;
            reader.await(timeout(total), running);
            latency = reader.latencyMicros;
            cps.stopped = true;
        } finally {
            deleteTree(dir.resolve("cairn"));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("description", String.format(Locale.ROOT, "The stateless 4-operator cairn pipeline (checkpoints every %d ms,"
                + " unaligned, copy mode) fed at %d records/s for %d s; checkpoints of the first 5 s dropped."
                + " Duration: trigger → manifest committed (JobListener.onCheckpointCompleted). Latency: send time"
                + " carried in the value → read from the output topic, for records sent after the first 5 s.", intervalMs, rate, pacedSeconds));
        r.put("saturationPerSecond", Math.round(saturation));
        r.put("saturationSource", source);
        r.put("ratePerSecond", rate);
        r.put("records", produced);
        r.put("checkpoints", cps.summary());
        r.put("latencyMillis", histogramMillis(latency));
        r.put("syncPauseMillis", timers(registry, "cairn.operator.sync.pause"));
        r.put("target", "checkpoint duration p99 ≤ 200 ms");
        r.put("met", cps.p99Millis() <= 200);
        results.put("checkpoint", r);
        md.append("## Checkpoint duration at half of saturation (issue 5)\n\n").append(r.get("description")).append("\n\n");
        md.append(String.format(Locale.ROOT, "Rate %d records/s (saturation %.0f/s: %s).%n%n", rate, saturation, source));
        md.append("| checkpoints | duration p50 ms | p99 ms | max ms | latency p50 ms | p99 ms | max ms | target p99 ≤ 200 ms |\n|---|---|---|---|---|---|---|---|\n");
        Histogram d = cps.histogram();
        md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s |%n%n", d.getTotalCount(),
                msOf(d.getValueAtPercentile(50)), msOf(d.getValueAtPercentile(99)), msOf(d.getMaxValue()),
                msOf(latency.getValueAtPercentile(50)), msOf(latency.getValueAtPercentile(99)), msOf(latency.getMaxValue()),
                cps.p99Millis() <= 200 ? "met" : "**missed**"));
        md.append("Sync pause per operator (Micrometer `cairn.operator.sync.pause`): ").append(timerText(registry,
                "cairn.operator.sync.pause")).append("\n\n");
        log("checkpoint: %s", cps.summary());
    }

    /** Sends timestamped records at {@code rate} per second for {@code seconds}; returns how many. */
    long pace(String topic, int rate, int seconds) {
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long now;
            while ((now = System.nanoTime()) < end) {
                long due = (now - start) * rate / 1_000_000_000L;
                while (sent < due) {
                    p.send(new ProducerRecord<>(topic, null, timestamped(System.nanoTime())));
                    sent++;
                }
                LockSupport.parkNanos(500_000);
            }
            p.flush();
        }
        return sent;
    }

    // ------------------------------------------------------------------------------------------
    // backlog

    /** Forwards nothing, slowly: a backlog stands in front of it. */
    static final class Slow implements Operator {
        @Override
        public void process(Record record, Emitter out) {
            LockSupport.parkNanos(200_000);
        }
    }

    void backlog() throws Exception {
        String in = "backlog-in-" + (++runSeq);
        broker.createTopic(in, 1);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            byte[] value = new byte[8];
            for (int i = 0; i < backlogRecords; i++) {
                p.send(new ProducerRecord<>(in, null, value));
            }
            p.flush();
        }
        log("backlog: %d records produced in %d ms", backlogRecords, ms(System.nanoTime() - t0));
        long threshold = backlogRecords / 2;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("description", String.format(Locale.ROOT, "%d records queued on the src→slow channel (the source copies"
                + " the input topic onto it at full speed; the slow operator takes 0.2 ms per record). Reference mode,"
                + " unaligned, checkpoints every %d ms, each configuration measured for %d s. Counted: checkpoints whose"
                + " referenced in-flight range (marker offset − receiver position) held ≥ %d records. The first row is"
                + " cairn's default consumer batch (max.poll.records=2000); the second passes max.poll.records=100"
                + " through Job.Builder.kafka, to measure how much of the duration is the runner finishing its"
                + " current poll batch before it reads the trigger from its mailbox.",
                backlogRecords, intervalMs, backlogSeconds, threshold));
        md.append("## Checkpoint duration with a 1 M-record backlog, reference mode (issue 5)\n\n").append(r.get("description")).append("\n\n");
        md.append("| max.poll.records | checkpoints with backlog | referenced in flight (min–max) | duration p50 ms | p99 ms | max ms | target p99 ≤ 500 ms | sync pause |\n|---|---|---|---|---|---|---|---|\n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int maxPoll : new int[]{2000, 100}) {
            rows.add(backlogRun(in, threshold, maxPoll));
        }
        r.put("runs", rows);
        r.put("target", "checkpoint duration p99 ≤ 500 ms (cairn's default settings: the first run)");
        r.put("met", rows.get(0).get("met"));
        results.put("backlog", r);
        md.append("\n");
    }

    Map<String, Object> backlogRun(String in, long threshold, int maxPoll) throws Exception {
        Checkpoints cps = new Checkpoints();
        Histogram all = new Histogram(3);
        AtomicLong minBacklog = new AtomicLong(Long.MAX_VALUE);
        AtomicLong maxBacklog = new AtomicLong();
        cps.filter = m -> {
            InputSnapshot s = m.operators().get("slow").inputs().get("src->slow");
            long marker = m.operators().get("src").outputs().get("src->slow");
            long inFlight = marker - s.position();
            if (inFlight >= threshold) {
                minBacklog.accumulateAndGet(inFlight, Math::min);
                maxBacklog.accumulateAndGet(inFlight, Math::max);
                return true;
            }
            return false;
        };
        cps.all = all;
        MeterRegistry registry = registry();
        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPoll));
        Job job = cairn("backlog-" + (++runSeq), cps, CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs))
                .inFlight(InFlightMode.REFERENCE).build())
                .kafka(kafka)
                .source("src", in)
                .operator("slow", Slow::new)
                .channel("src", "slow")
                .meterRegistry(registry)
                .build();
        try (RunningJob running = job.start()) {
            long end = System.nanoTime() + (backlogSeconds + 60) * 1_000_000_000L;
            // wait until the backlog is on the channel, then measure for backlogSeconds
            while (cps.histogram().getTotalCount() == 0 && System.nanoTime() < end && !running.isTerminated()) {
                LockSupport.parkNanos(100_000_000);
            }
            long measureEnd = System.nanoTime() + backlogSeconds * 1_000_000_000L;
            while (System.nanoTime() < measureEnd && !running.isTerminated()) {
                LockSupport.parkNanos(100_000_000);
            }
            if (running.failure().isPresent()) {
                throw running.failure().get();
            }
            cps.stopped = true;
        } finally {
            deleteTree(dir.resolve("cairn"));
        }
        Histogram d = cps.histogram();
        boolean met = d.getTotalCount() > 0 && cps.p99Millis() <= 500;
        long min = minBacklog.get() == Long.MAX_VALUE ? 0 : minBacklog.get();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("maxPollRecords", maxPoll);
        r.put("checkpoints", cps.summary());
        r.put("allCheckpointsMillis", histogramMillis(all));
        r.put("referencedInFlightRecords", Map.of("min", min, "max", maxBacklog.get()));
        r.put("syncPauseMillis", timers(registry, "cairn.operator.sync.pause"));
        r.put("met", met);
        md.append(String.format(Locale.ROOT, "| %d | %d | %d–%d | %s | %s | %s | %s | %s |%n", maxPoll, d.getTotalCount(),
                min, maxBacklog.get(), msOf(d.getValueAtPercentile(50)), msOf(d.getValueAtPercentile(99)),
                msOf(d.getMaxValue()), met ? "met" : "**missed**", timerText(registry, "cairn.operator.sync.pause")));
        log("backlog max.poll.records=%d: %s, referenced in flight %d–%d", maxPoll, cps.summary(), min, maxBacklog.get());
        return r;
    }

    // ------------------------------------------------------------------------------------------
    // bank: a strongly connected (cyclic) topology

    static final int ACCOUNTS = 3;

    /**
     * One account of a bank of {@link #ACCOUNTS}: a tick addressed to it sends a tenth of its balance
     * to the next account; a transfer is added and, one time in four, a twentieth passed on, so money
     * keeps circulating around the cycle. The balance lives in cairn state.
     */
    static final class Account implements Operator {
        private final int index;
        private final String next;
        private ValueState<Long> balance;
        private long random;

        Account(int index) {
            this.index = index;
            this.next = "acct" + ((index + 1) % ACCOUNTS);
            this.random = index + 1;
        }

        @Override
        public void open(OperatorContext context) {
            balance = context.state().value("balance", Serdes.longs());
            if (!context.isRestored()) {
                balance.set(1_000_000L);
            }
        }

        @Override
        public void process(Record record, Emitter out) {
            long b = balance.get();
            if (record.from().equals("ticks")) {
                if (ByteBuffer.wrap(record.value()).getInt() != index) {
                    return;
                }
                long amount = b / 10;
                b -= amount;
                out.emit(next, null, longBytes(amount));
            } else {
                b += ByteBuffer.wrap(record.value()).getLong();
                random = random * 6364136223846793005L + 1442695040888963407L;
                if ((random >>> 62) == 0) {
                    long amount = b / 20;
                    b -= amount;
                    out.emit(next, null, longBytes(amount));
                }
            }
            balance.set(b);
        }
    }

    void bank() throws Exception {
        String in = "bank-ticks-" + (++runSeq);
        broker.createTopic(in, 1);
        int ticks = quick ? 300_000 : 1_000_000;
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < ticks; i++) {
                p.send(new ProducerRecord<>(in, null, ByteBuffer.allocate(4).putInt(i % ACCOUNTS).array()));
            }
            p.flush();
        }
        int window = 8;
        Map<String, String> hops = new LinkedHashMap<>();
        String h = "ticks topic broadcast to 3 accounts (3 channels) + 3 channels around the cycle acct0 → acct1 → acct2 → acct0";
        hops.put("cairn-checkpoints", h);
        hops.put("cairn-reference", h);
        hops.put("cairn-no-checkpoints", h);
        List<Run> runs = rounds("bank", List.of("cairn-checkpoints", "cairn-reference", "cairn-no-checkpoints"),
                (variant, round) -> bankRun(variant, round, in, window));
        summarise("bank", "records/s", runs, hops, List.of(
                new Ratio("cairn-checkpoints", "cairn-no-checkpoints", 0.97, "bank: checkpoints every interval (copy mode) / off (target ≥ 0.97)"),
                new Ratio("cairn-reference", "cairn-no-checkpoints", 0.97, "bank: checkpoints every interval (reference mode) / off")),
                String.format(Locale.ROOT, "The bank (strongly connected): a tick source broadcast to %d accounts in a"
                        + " cycle; ticks addressed to an account move a tenth of its balance on, a received transfer is"
                        + " passed on one time in four. %d ticks queued. Throughput: records processed by the accounts"
                        + " (ticks + transfers, Micrometer cairn.operator.records.in) per second over %d s, after 5 s"
                        + " of warm-up within the run; \"wall\" here is that window, not a run to completion."
                        + " Checkpoints every %d ms, unaligned (a cycle cannot be aligned), in copy mode (the default) and in"
                        + " reference mode, vs periodic(false). In-flight records copied per checkpoint: Micrometer"
                        + " cairn.operator.inflight.records, in each run's JSON.",
                        ACCOUNTS, ticks, window, intervalMs));
    }

    Run bankRun(String variant, int round, String in, int window) throws Exception {
        CheckpointConfig.Builder cb = CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs));
        if (variant.equals("cairn-no-checkpoints")) {
            cb.periodic(false);
        }
        if (variant.equals("cairn-reference")) {
            cb.inFlight(InFlightMode.REFERENCE);
        }
        Checkpoints cps = new Checkpoints();
        MeterRegistry registry = registry();
        Job.Builder b = cairn("bank-" + (++runSeq), cps, cb.build()).source("ticks", in).meterRegistry(registry);
        for (int i = 0; i < ACCOUNTS; i++) {
            final int index = i;
            b.operator("acct" + i, () -> new Account(index));
        }
        for (int i = 0; i < ACCOUNTS; i++) {
            b.channel("ticks", "acct" + i).channel("acct" + i, "acct" + ((i + 1) % ACCOUNTS));
        }
        Job job = b.build();
        int w = round == 0 ? 3 : window;
        try (RunningJob running = job.start()) {
            java.util.function.LongSupplier processed = () -> (long) registry.find("cairn.operator.records.in").counters()
                    .stream().filter(c -> c.getId().getTag("operator").startsWith("acct")).mapToDouble(
                            io.micrometer.core.instrument.Counter::count).sum();
            long startWait = System.nanoTime();
            while (processed.getAsLong() == 0 && System.nanoTime() - startWait < 120_000_000_000L) {
                LockSupport.parkNanos(50_000_000);
            }
            long firstNanos = System.nanoTime() - startWait;
            LockSupport.parkNanos(5_000_000_000L); // every thread running, JIT warm
            cps.ignoreBeforeNanos = System.nanoTime();
            java.util.function.LongSupplier copied = () -> (long) registry.find("cairn.operator.inflight.records")
                    .counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
            long c0 = processed.getAsLong();
            long k0 = copied.getAsLong();
            long t0 = System.nanoTime();
            LockSupport.parkNanos(w * 1_000_000_000L);
            long c1 = processed.getAsLong();
            long k1 = copied.getAsLong();
            long t1 = System.nanoTime();
            cps.stopped = true;
            if (running.failure().isPresent()) {
                throw running.failure().get();
            }
            Map<String, Object> extra = new LinkedHashMap<>(cps.summary());
            extra.put("inFlightRecordsCopied", k1 - k0);
            extra.put("startToFirstRecordMillis", ms(firstNanos));
            extra.put("syncPauseMillis", timers(registry, "cairn.operator.sync.pause"));
            // firstOutputNanos 0: the window starts after warm-up, so "first → last" equals the window
            return new Run(variant, round, c1 - c0, t1 - t0, 0, null, extra);
        } finally {
            deleteTree(dir.resolve("cairn"));
        }
    }

    // ------------------------------------------------------------------------------------------
    // restore: Kafka Streams from its changelog onto an empty state directory vs cairn from a checkpoint

    /** Keeps the latest value per key in RocksDB state and emits (key, 8-byte sequence). */
    static final class Store implements Operator {
        private final String to;
        private KeyedState<String, byte[]> values;
        private long seq;

        Store(String to) {
            this.to = to;
        }

        /** At the last open: restored?, and did the state hold the first key (diagnosis of the restore). */
        static final AtomicReference<String> OPENED = new AtomicReference<>();

        @Override
        public void open(OperatorContext context) {
            values = context.state().keyed("values", Serdes.string(), Serdes.bytes());
            OPENED.set("isRestored=" + context.isRestored() + ", restoredFrom=" + context.restoredFrom()
                    + ", state holds k0000000: " + (values.get("k0000000") != null));
        }

        @Override
        public void process(Record record, Emitter out) {
            values.put(new String(record.key(), StandardCharsets.UTF_8), record.value());
            out.emit(to, record.key(), longBytes(++seq));
        }
    }

    void restore() throws Exception {
        String in = "restore-in-" + (++runSeq);
        broker.createTopic(in, 1);
        SplittableRandom random = new SplittableRandom(5);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < restoreKeys; i++) {
                byte[] v = new byte[VALUE_BYTES];
                random.nextBytes(v);
                p.send(new ProducerRecord<>(in, key(i), v));
            }
            p.flush();
        }
        log("restore: %d keys produced in %d ms", restoreKeys, ms(System.nanoTime() - t0));
        long stateBytes = (long) restoreKeys * (8 + VALUE_BYTES);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("description", String.format(Locale.ROOT, "%d distinct keys (8-character keys, %d-byte random values,"
                + " about %d MB of state) loaded through a keep-latest-value store (Kafka Streams: groupByKey().reduce,"
                + " at_least_once, commit interval %d ms, cache 0; cairn: source+store+sink chained, checkpoints every"
                + " %d ms, RocksDB). Then the instance stops (Kafka Streams: close and leave the group; cairn: stop with a"
                + " final checkpoint), one new record is written to the input, and a new instance starts with an empty"
                + " local state directory. Measured: start of the new instance → the new record's output readable."
                + " Kafka hops: in → out (+ Kafka Streams' changelog; cairn's control topic).",
                restoreKeys, VALUE_BYTES, stateBytes >> 20, intervalMs, intervalMs));
        r.put("stateBytesApprox", stateBytes);
        md.append("## Restore (issue 8)\n\n").append(r.get("description")).append("\n\n");
        md.append("| system | load s | restore: start → first new output s | notes |\n|---|---|---|---|\n");
        Map<String, Object> streams = restoreStreams(in);
        Map<String, Object> cairn = restoreCairn(in);
        r.put("streams", streams);
        r.put("cairn", cairn);
        double ratio = ((Number) streams.get("restoreMillis")).doubleValue() / ((Number) cairn.get("restoreMillis")).doubleValue();
        r.put("ratio", round3(ratio));
        r.put("target", "Kafka Streams restore time / cairn restore time ≥ 5 at 100 MB (one round: no spread)");
        r.put("met", ratio >= 5);
        md.append(String.format(Locale.ROOT, "%nKafka Streams / cairn restore time: %.2f (target ≥ 5 at 100 MB: %s; one"
                + " round each, so no spread).%n%n", ratio, ratio >= 5 ? "met" : "**missed**"));
        results.put("restore", r);
    }

    static byte[] key(int i) {
        return String.format(Locale.ROOT, "k%07d", i).getBytes(StandardCharsets.UTF_8);
    }

    Map<String, Object> restoreStreams(String in) throws Exception {
        String outTopic = "restore-out-" + (++runSeq);
        broker.createTopic(outTopic, 1);
        String app = "bench-restore-" + runSeq;
        StreamsBuilder sb = new StreamsBuilder();
        sb.stream(in, Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()))
                .groupByKey()
                .reduce((a, b) -> b, Materialized.<String, byte[], org.apache.kafka.streams.state.KeyValueStore<
                                org.apache.kafka.common.utils.Bytes, byte[]>>as("values")
                        .withKeySerde(org.apache.kafka.common.serialization.Serdes.String())
                        .withValueSerde(org.apache.kafka.common.serialization.Serdes.ByteArray()))
                .toStream()
                .mapValues(v -> longBytes(v.length))
                .to(outTopic, Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()));
        org.apache.kafka.streams.Topology topology = sb.build();
        Function<String, Properties> props = stateDir -> {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(stateDir).toString());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, intervalMs);
            p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
            return p;
        };
        long loadNanos;
        try (OutputReader reader = new OutputReader(outTopic, restoreKeys, true, false)) {
            long t0 = System.nanoTime();
            reader.start(t0);
            KafkaStreams streams = new KafkaStreams(topology, props.apply("streams-restore-a"));
            try {
                streams.start();
                reader.await(timeout(restoreKeys));
                loadNanos = System.nanoTime() - t0;
            } finally {
                streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                        org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(60)));
            }
        }
        log("restore: Kafka Streams loaded %d keys in %d ms", restoreKeys, ms(loadNanos));
        deleteTree(dir.resolve("streams-restore-a"));
        byte[] probe = "probe".getBytes(StandardCharsets.UTF_8);
        long restoreNanos;
        try (OutputReader reader = new OutputReader(outTopic, 1, true, false)) {
            reader.fromEnd = true;
            reader.waitForKey = probe;
            reader.start(System.nanoTime());
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
                p.send(new ProducerRecord<>(in, probe, new byte[VALUE_BYTES])).get();
            }
            long t0 = System.nanoTime();
            reader.startNanos = t0;
            KafkaStreams streams = new KafkaStreams(topology, props.apply("streams-restore-b"));
            try {
                streams.start();
                reader.await(timeout(restoreKeys));
                restoreNanos = reader.doneNanos - t0;
            } finally {
                streams.close(Duration.ofSeconds(60));
                streams.cleanUp();
            }
        }
        deleteTree(dir.resolve("streams-restore-b"));
        log("restore: Kafka Streams restored in %d ms", ms(restoreNanos));
        md.append(String.format(Locale.ROOT, "| Kafka Streams (changelog → empty state directory) | %.1f | %.2f | old member left the group |%n",
                loadNanos / 1e9, restoreNanos / 1e9));
        return Map.of("loadMillis", ms(loadNanos), "restoreMillis", ms(restoreNanos));
    }

    long restoreStart;
    long outputsUpToProbe;
    String firstKeyAfterRestore;

    Map<String, Object> restoreCairn(String in) throws Exception {
        String outTopic = "restore-out-" + (++runSeq);
        broker.createTopic(outTopic, 1);
        String id = "restore-" + runSeq;
        Path root = dir.resolve("cairn").resolve(id);
        Checkpoints loadCps = new Checkpoints();
        Function<String, Job> job = local -> cairn(id, loadCps,
                CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs)).build())
                .stateBackend(RocksDbStateBackend.builder().localDirectory(root.resolve(local)).build())
                .source("src", in)
                .operator("store", () -> new Store("out"))
                .sink("out", outTopic)
                .channel("src", "store").channel("store", "out")
                .chain("src", "store", "out")
                .build();
        long loadNanos;
        long checkpointBytes;
        long finalCheckpoint;
        try (OutputReader reader = new OutputReader(outTopic, restoreKeys, true, false)) {
            long t0 = System.nanoTime();
            reader.start(t0);
            try (RunningJob running = job.apply("local-a").start()) {
                reader.await(timeout(restoreKeys), running);
                loadNanos = System.nanoTime() - t0;
                if (!running.stopWithCheckpoint(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("cairn: the final checkpoint of " + id + " did not complete");
                }
                finalCheckpoint = running.latestCompletedCheckpoint();
            }
        }
        checkpointBytes = directorySize(root.resolve("checkpoints"));
        Manifest lastManifest = loadCps.last;
        String sourceOffsets = lastManifest == null ? "none" : lastManifest.checkpointId() + ": "
                + lastManifest.operators().get("src").sourceOffsets();
        log("restore: the last checkpoint completed while loading, with its source offsets: %s", sourceOffsets);
        deleteTree(root.resolve("local-a"));
        log("restore: cairn loaded %d keys in %d ms, final checkpoint %d, %d bytes under the checkpoint directory",
                restoreKeys, ms(loadNanos), finalCheckpoint, checkpointBytes);
        byte[] probe = "probe".getBytes(StandardCharsets.UTF_8);
        long restoreNanos;
        AtomicLong restoredNanos = new AtomicLong();
        AtomicLong epochAt = new AtomicLong();
        AtomicLong restoredAt = new AtomicLong();
        try (OutputReader reader = new OutputReader(outTopic, 1, true, false)) {
            reader.fromEnd = true;
            reader.waitForKey = probe;
            reader.start(System.nanoTime());
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
                p.send(new ProducerRecord<>(in, probe, new byte[VALUE_BYTES])).get();
            }
            long t0 = System.nanoTime();
            reader.startNanos = t0;
            restoreStart = t0;
            Job restored = cairn(id, new Checkpoints() {
                @Override
                public void onEpochStarted(int epoch, long restoredCheckpoint) {
                    epochAt.compareAndSet(0, System.nanoTime());
                }

                @Override
                public void onRestored(int epoch, long restoredCheckpoint, long nanos) {
                    restoredNanos.set(nanos);
                    restoredAt.compareAndSet(0, System.nanoTime());
                }
            }, CheckpointConfig.builder().interval(Duration.ofMillis(intervalMs)).build())
                    .stateBackend(RocksDbStateBackend.builder().localDirectory(root.resolve("local-b")).build())
                    .source("src", in)
                    .operator("store", () -> new Store("out"))
                    .sink("out", outTopic)
                    .channel("src", "store").channel("store", "out")
                    .chain("src", "store", "out")
                    .build();
            try (RunningJob running = restored.start()) {
                reader.await(timeout(restoreKeys), running);
                restoreNanos = reader.doneNanos - t0;
                outputsUpToProbe = reader.count;
                firstKeyAfterRestore = reader.firstKey;
                if (running.restoredCheckpoint() != finalCheckpoint) {
                    throw new IllegalStateException("cairn restored checkpoint " + running.restoredCheckpoint()
                            + ", expected the final one, " + finalCheckpoint);
                }
            }
        } finally {
            deleteTree(dir.resolve("cairn"));
        }
        log("restore: cairn restored checkpoint %d in %d ms (runner restore %d ms), %d outputs up to the new record's",
                finalCheckpoint, ms(restoreNanos), ms(restoredNanos.get()), outputsUpToProbe);
        log("restore: the first output after the restore has key %s; the store operator opened with %s",
                firstKeyAfterRestore, Store.OPENED.get());
        md.append(String.format(Locale.ROOT, "| cairn (checkpoint %d, %d MB on disk → empty local directory) | %.1f | %.2f |"
                        + " start → epoch began %.2f s, → restored %.2f s (the runner's restore, its start → live input:"
                        + " %.2f s), → output %.2f s |%n", finalCheckpoint, checkpointBytes >> 20,
                loadNanos / 1e9, restoreNanos / 1e9, (epochAt.get() - restoreStart) / 1e9, (restoredAt.get() - restoreStart) / 1e9,
                restoredNanos.get() / 1e9, restoreNanos / 1e9));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loadMillis", ms(loadNanos));
        m.put("restoreMillis", ms(restoreNanos));
        m.put("runnerRestoreMillis", ms(restoredNanos.get()));
        m.put("startToEpochMillis", ms(epochAt.get() - restoreStart));
        m.put("startToRestoredMillis", ms(restoredAt.get() - restoreStart));
        m.put("checkpointId", finalCheckpoint);
        m.put("checkpointDirectoryBytes", checkpointBytes);
        m.put("outputsUpToTheNewRecord", outputsUpToProbe);
        m.put("sourceOffsetsOfTheLastCheckpoint", sourceOffsets);
        m.put("firstOutputKeyAfterRestore", firstKeyAfterRestore);
        m.put("storeOpenedWith", String.valueOf(Store.OPENED.get()));
        return m;
    }

    static long directorySize(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    // ------------------------------------------------------------------------------------------
    // shared machinery

    Job.Builder cairn(String id, Checkpoints cps, CheckpointConfig config) {
        Path root = dir.resolve("cairn").resolve(id);
        return Job.builder(id)
                .kafka(broker.clientProperties())
                .topicPrefix("bench")
                .checkpointDirectory(root.resolve("checkpoints"))
                .stateBackend(RocksDbStateBackend.builder().localDirectory(root.resolve("local")).build())
                .checkpoints(config)
                .startTimeout(Duration.ofSeconds(120))
                .listener(cps);
    }

    /** Collects checkpoint durations (trigger → manifest committed) as the coordinator reports them. */
    static class Checkpoints implements JobListener {
        final Histogram durations = new Histogram(3);
        final List<Long> bytes = new CopyOnWriteArrayList<>();
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<String> lastFailure = new AtomicReference<>();
        volatile long ignoreBeforeNanos;
        volatile boolean stopped;
        volatile java.util.function.Predicate<Manifest> filter = m -> true;
        volatile Histogram all;
        volatile Manifest last;

        @Override
        public synchronized void onCheckpointCompleted(Manifest manifest, long durationNanos) {
            last = manifest;
            if (stopped || System.nanoTime() < ignoreBeforeNanos) {
                return;
            }
            if (all != null) {
                all.recordValue(Math.max(1, durationNanos / 1000));
            }
            if (filter.test(manifest)) {
                durations.recordValue(Math.max(1, durationNanos / 1000));
                bytes.add(manifest.totalBytes());
            }
        }

        @Override
        public void onCheckpointFailed(long checkpointId, String reason) {
            if (!stopped) {
                failed.incrementAndGet();
                lastFailure.set(checkpointId + ": " + reason);
            }
        }

        synchronized Histogram histogram() {
            return durations.copy();
        }

        double p99Millis() {
            return histogram().getValueAtPercentile(99) / 1000.0;
        }

        synchronized Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("completed", durations.getTotalCount());
            m.put("failed", failed.get());
            if (lastFailure.get() != null) {
                m.put("lastFailure", lastFailure.get());
            }
            m.put("durationMillis", histogramMillis(durations));
            m.put("bytesReferencedMean", bytes.isEmpty() ? 0 : bytes.stream().mapToLong(Long::longValue).sum() / bytes.size());
            return m;
        }
    }

    /**
     * Reads an output topic from the beginning while the pipeline runs; done when {@code expected}
     * records are readable. Optionally records the latency carried in each value.
     */
    final class OutputReader implements AutoCloseable {
        final String topic;
        /** Lowered once a paced producer knows how many it sent. */
        volatile long expected;
        final KafkaConsumer<byte[], byte[]> consumer;
        final boolean latency;
        final Histogram latencyMicros = new Histogram(3);
        volatile long count;
        volatile long firstNanos;
        volatile long doneNanos;
        volatile Throwable failure;
        /** Done when a record with this key is read (instead of a count). */
        volatile byte[] waitForKey;
        /** Latency is recorded for records sent from then on (start-up left out). */
        volatile long latencyFromNanos = Long.MIN_VALUE;
        /** The key of the first record read. */
        volatile String firstKey;
        boolean fromEnd;
        long startNanos;
        Thread thread;
        final AtomicBoolean closed = new AtomicBoolean();

        OutputReader(String topic, long expected, boolean committed, boolean latency) {
            this.topic = topic;
            this.expected = expected;
            this.latency = latency;
            Map<String, Object> p = new HashMap<>(broker.clientProperties());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            this.consumer = new KafkaConsumer<>(p);
        }

        void start(long startNanos) {
            this.startNanos = startNanos;
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            if (fromEnd) {
                consumer.seekToEnd(List.of(tp));
                consumer.position(tp);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
            thread = new Thread(() -> {
                try {
                    while (!closed.get() && doneNanos == 0) {
                        ConsumerRecords<byte[], byte[]> rs = consumer.poll(Duration.ofMillis(50));
                        long now = System.nanoTime();
                        if (!rs.isEmpty()) {
                            if (firstNanos == 0) {
                                firstNanos = now;
                                ConsumerRecord<byte[], byte[]> f = rs.iterator().next();
                                firstKey = f.key() == null ? "null" : new String(f.key(), StandardCharsets.UTF_8);
                            }
                            if (latency) {
                                for (ConsumerRecord<byte[], byte[]> r : rs) {
                                    long sent = ByteBuffer.wrap(r.value()).getLong();
                                    if (sent >= latencyFromNanos) {
                                        latencyMicros.recordValue(Math.max(1, (now - sent) / 1000));
                                    }
                                }
                            }
                            count += rs.count();
                            if (waitForKey != null) {
                                for (ConsumerRecord<byte[], byte[]> r : rs) {
                                    if (java.util.Arrays.equals(r.key(), waitForKey)) {
                                        doneNanos = now;
                                    }
                                }
                                continue;
                            }
                        }
                        if (waitForKey == null && count >= expected) {
                            doneNanos = now;
                        }
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "output-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void await(Duration timeout) throws Exception {
            await(timeout, null);
        }

        void await(Duration timeout, RunningJob job) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (doneNanos == 0) {
                if (failure != null) {
                    throw new IllegalStateException("reading " + topic + " failed", failure);
                }
                if (job != null && job.failure().isPresent()) {
                    throw new IllegalStateException("the cairn job failed", job.failure().get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + count + " of " + expected + " records readable on "
                            + topic + " after " + timeout);
                }
                LockSupport.parkNanos(5_000_000);
            }
        }

        Run run(String variant, int round, String note, Map<String, Object> extra) {
            return new Run(variant, round, expected, doneNanos - startNanos, firstNanos - startNanos, note, extra);
        }

        @Override
        public void close() throws InterruptedException {
            closed.set(true);
            if (thread != null) {
                thread.join(10_000);
            }
            consumer.close();
        }
    }

    interface StageFn {
        void process(ConsumerRecord<byte[], byte[]> record, java.util.function.BiConsumer<byte[], byte[]> send);
    }

    /**
     * A raw consume → process → produce thread: the same producer settings cairn uses for its
     * channels (idempotent, acks=all, linger 5 ms, 64 KB batches) and the same consumer fetch settings.
     */
    Thread stage(String name, String from, String to, AtomicBoolean stop, StageFn fn) {
        Thread t = new Thread(() -> {
            Map<String, Object> cp = new HashMap<>(broker.clientProperties());
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
            cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
                 KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
                TopicPartition tp = new TopicPartition(from, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                java.util.function.BiConsumer<byte[], byte[]> send = (k, v) -> p.send(new ProducerRecord<>(to, k, v));
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                        fn.process(r, send);
                    }
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    static byte[] timestamped(long nanos) {
        byte[] v = new byte[VALUE_BYTES];
        ByteBuffer.wrap(v).putLong(nanos);
        return v;
    }

    static byte[] longBytes(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }

    // ------------------------------------------------------------------------------------------
    // summaries

    record Ratio(String numerator, String denominator, double target, String label) {
    }

    /** Medians, spread and ratios of a workload's runs; adds its JSON and Markdown sections. */
    Map<String, Object> summarise(String workload, String unit, List<Run> runs, Map<String, String> hops,
                                  List<Ratio> ratios, String description) {
        Map<String, List<Run>> byVariant = new LinkedHashMap<>();
        for (Run r : runs) {
            byVariant.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
        }
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("description", description);
        w.put("unit", unit);
        w.put("rounds", rounds);
        w.put("warmUpRounds", quick ? 0 : 1);
        Map<String, Object> median = new LinkedHashMap<>();
        Map<String, Object> variants = new LinkedHashMap<>();
        md.append("## ").append(workload).append("\n\n").append(description).append("\n\n");
        md.append("| variant | Kafka hops | rounds | median ").append(unit).append(" | min–max | wall s (median) | first output s (median) | first → last output, median /s | checkpoints/run | checkpoint p99 ms |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Run>> e : byVariant.entrySet()) {
            List<Run> rs = e.getValue();
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("kafkaHops", hops.getOrDefault(e.getKey(), ""));
            List<Map<String, Object>> list = new ArrayList<>();
            for (Run r : rs) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("round", r.round());
                if (r.note() != null) {
                    m.put("note", r.note());
                } else {
                    m.put("perSecond", Math.round(r.perSecond()));
                    m.put("wallMillis", ms(r.wallNanos()));
                    m.put("firstOutputMillis", ms(r.firstOutputNanos()));
                    m.put("steadyPerSecond", Math.round(r.steadyPerSecond()));
                }
                m.putAll(r.extra());
                list.add(m);
            }
            v.put("runs", list);
            List<Run> measured = rs.stream().filter(r -> r.note() == null).toList();
            if (measured.isEmpty()) {
                v.put("available", false);
                v.put("note", rs.get(0).note());
                median.put(e.getKey(), "not available");
                md.append(String.format(Locale.ROOT, "| %s | %s | – | not available | – | – | – | – | – | – |%n", e.getKey(),
                        hops.getOrDefault(e.getKey(), "")));
            } else {
                double[] rates = measured.stream().mapToDouble(Run::perSecond).sorted().toArray();
                double med = medianOf(rates);
                median.put(e.getKey(), med);
                v.put("median", Math.round(med));
                v.put("min", Math.round(rates[0]));
                v.put("max", Math.round(rates[rates.length - 1]));
                double wall = medianOf(measured.stream().mapToDouble(r -> r.wallNanos() / 1e9).sorted().toArray());
                double first = medianOf(measured.stream().mapToDouble(r -> r.firstOutputNanos() / 1e9).sorted().toArray());
                String cps = "–";
                String p99 = "–";
                if (measured.get(0).extra().get("completed") != null) {
                    cps = String.format(Locale.ROOT, "%.0f", medianOf(measured.stream()
                            .mapToDouble(r -> ((Number) r.extra().get("completed")).doubleValue()).sorted().toArray()));
                    p99 = String.format(Locale.ROOT, "%.0f", medianOf(measured.stream().mapToDouble(r -> {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> d = (Map<String, Object>) r.extra().get("durationMillis");
                        return ((Number) d.get("p99")).doubleValue();
                    }).sorted().toArray()));
                }
                double steady = medianOf(measured.stream().mapToDouble(Run::steadyPerSecond).sorted().toArray());
                v.put("steadyMedian", Math.round(steady));
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f–%.0f | %.1f | %.1f | %.0f | %s | %s |%n", e.getKey(),
                        hops.getOrDefault(e.getKey(), ""), measured.size(), med, rates[0], rates[rates.length - 1], wall,
                        first, steady, cps, p99));
            }
            variants.put(e.getKey(), v);
        }
        w.put("variants", variants);
        w.put("median", median);
        List<Map<String, Object>> rj = new ArrayList<>();
        md.append("\n| ratio | median | spread (min/max … max/min) | target | |\n|---|---|---|---|---|\n");
        for (Ratio ratio : ratios) {
            List<Run> num = measuredOf(byVariant.get(ratio.numerator()));
            List<Run> den = measuredOf(byVariant.get(ratio.denominator()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ratio", ratio.numerator() + " / " + ratio.denominator());
            m.put("label", ratio.label());
            if (num.isEmpty() || den.isEmpty()) {
                m.put("value", "not available");
                md.append(String.format(Locale.ROOT, "| %s | not available | – | %s | |%n", ratio.label(),
                        ratio.target() > 0 ? "≥ " + ratio.target() : "–"));
            } else {
                double[] n = num.stream().mapToDouble(Run::perSecond).sorted().toArray();
                double[] d = den.stream().mapToDouble(Run::perSecond).sorted().toArray();
                double value = medianOf(n) / medianOf(d);
                double lo = n[0] / d[d.length - 1];
                double hi = n[n.length - 1] / d[0];
                m.put("value", round3(value));
                m.put("low", round3(lo));
                m.put("high", round3(hi));
                // per round, the two variants ran back to back: the ratio within each round
                List<Double> perRound = new ArrayList<>();
                for (Run a : num) {
                    for (Run b : den) {
                        if (a.round() == b.round()) {
                            perRound.add(round3(a.perSecond() / b.perSecond()));
                        }
                    }
                }
                m.put("perRound", perRound);
                String verdict = "";
                if (ratio.target() > 0) {
                    m.put("target", ratio.target());
                    m.put("met", value >= ratio.target());
                    verdict = value >= ratio.target() ? "met" : "**missed**";
                }
                md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f … %.3f (per round %s) | %s | %s |%n", ratio.label(), value,
                        lo, hi, perRound, ratio.target() > 0 ? "≥ " + ratio.target() : "–", verdict));
            }
            rj.add(m);
        }
        md.append("\n");
        w.put("ratios", rj);
        results.put(workload, w);
        return w;
    }

    static List<Run> measuredOf(List<Run> runs) {
        return runs == null ? List.of() : runs.stream().filter(r -> r.note() == null).toList();
    }

    static double medianOf(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static Map<String, Object> histogramMillis(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1000.0);
        m.put("p99", h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0);
        m.put("max", h.getMaxValue() / 1000.0);
        return m;
    }

    /** A registry that keeps p50/p99 of cairn's timers (over Micrometer's 2-minute window: longer than a run). */
    static MeterRegistry registry() {
        MeterRegistry r = new SimpleMeterRegistry();
        r.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public io.micrometer.core.instrument.distribution.DistributionStatisticConfig configure(
                    io.micrometer.core.instrument.Meter.Id id, io.micrometer.core.instrument.distribution.DistributionStatisticConfig config) {
                if (id.getName().startsWith("cairn.")) {
                    return io.micrometer.core.instrument.distribution.DistributionStatisticConfig.builder()
                            .percentiles(0.5, 0.99).build().merge(config);
                }
                return config;
            }
        });
        return r;
    }

    static double percentile(Timer t, double p) {
        for (io.micrometer.core.instrument.distribution.ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
            if (Math.abs(v.percentile() - p) < 1e-9) {
                return v.value(TimeUnit.MILLISECONDS);
            }
        }
        return Double.NaN;
    }

    static Map<String, Object> timers(MeterRegistry registry, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Timer t : registry.find(name).timers()) {
            m.put(t.getId().getTag("operator"), Map.of("count", t.count(),
                    "meanMillis", round3(t.mean(TimeUnit.MILLISECONDS)), "p50Millis", round3(percentile(t, 0.5)),
                    "p99Millis", round3(percentile(t, 0.99)), "maxMillis", round3(t.max(TimeUnit.MILLISECONDS))));
        }
        return m;
    }

    static String timerText(MeterRegistry registry, String name) {
        List<String> parts = new ArrayList<>();
        for (Timer t : registry.find(name).timers()) {
            parts.add(String.format(Locale.ROOT, "%s p50 %.1f / p99 %.1f / max %.1f ms (%d snapshots)", t.getId().getTag("operator"),
                    percentile(t, 0.5), percentile(t, 0.99), t.max(TimeUnit.MILLISECONDS), t.count()));
        }
        Collections.sort(parts);
        return parts.isEmpty() ? "none recorded" : String.join(", ", parts);
    }

    static String msOf(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%4ds] " + format + "%n",
                Stream.concat(Stream.of((System.nanoTime() - startNanos) / 1_000_000_000L), Stream.of(args)).toArray());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    String machine() {
        String cpu = "unknown";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return String.format(Locale.ROOT, "%d cores (%s), %d GB RAM, Java %s (%s), %s %s",
                Runtime.getRuntime().availableProcessors(), cpu, memKb >> 20, System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.version"));
    }

    static String kafkaVersion() {
        try (InputStream in = KafkaStreams.class.getResourceAsStream("/kafka/kafka-streams-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "4.4.0 (pinned in the parent pom)";
    }

    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String c = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? c + (dirty() ? " (with uncommitted changes)" : "") : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    static boolean dirty() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor() == 0 && !out.isEmpty();
    }

    String commandLine() {
        return "java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.cairn.bench.PipelineBenchmark"
                + (command.isEmpty() ? "" : " " + command);
    }

    String header() {
        return String.format(Locale.ROOT, "Date %s; machine: %s; load average at start %s, at end %s; broker: in-process"
                        + " single-node KRaft (kafka-testkit EmbeddedKafkaBroker), one-partition topics; Kafka clients and"
                        + " Kafka Streams %s; rocksdbjni %s; cairn %s; %s mode, %d measured round(s)%s; total run time %d s.",
                Instant.now(), machine(), loadAtStart, loadAverage(), kafkaVersion(),
                org.rocksdb.RocksDB.class.getPackage().getImplementationVersion() == null ? "11.8.1 (pinned)"
                        : org.rocksdb.RocksDB.class.getPackage().getImplementationVersion(),
                "0.1.0-SNAPSHOT at commit " + gitCommit(), quick ? "quick" : "full", rounds, quick ? ", no warm-up" : " after one warm-up round (a fifth of the input, dropped)",
                ms(System.nanoTime() - startNanos) / 1000);
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("# pipeline benchmark\n\n");
        sb.append("Produced by:\n\n```\n./mvnw -q -pl benchmarks -am package -DskipTests\n").append(commandLine()).append("\n```\n\n");
        sb.append(header()).append("\n\n");
        sb.append("Time per workload (s): ").append(workloadSeconds).append(".\n\n");
        sb.append("Not measured here: Apache Flink (no Flink module in this build; see benchmarks/README.md). Reference"
                + " figures from issue 8, measured earlier on this kind of machine and **not in this run**: Flink 2.2.1"
                + " MiniCluster, RocksDB incremental checkpoints every 1 s, exactly-once KafkaSink ≈ 70–80 k words/s;"
                + " raw clients ≈ 100–160 k; Kafka Streams exactly_once_v2 ≈ 51–59 k.\n\n");
        sb.append(md);
        return sb.toString();
    }

    void write() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", name);
        root.put("command", commandLine());
        root.put("header", header());
        root.put("quick", quick);
        root.put("loadAverageAtStart", loadAtStart);
        root.put("loadAverageAtEnd", loadAverage());
        root.put("workloadSeconds", workloadSeconds);
        root.put("flink", "not measured (no Flink module in this build); issue 8 reference: ≈ 70–80 k words/s, not from this run");
        root.putAll(results);
        Files.writeString(out.resolve(name + ".json"), toJson(root, "") + "\n", StandardCharsets.UTF_8);
        Files.writeString(out.resolve(name + ".md"), markdown(), StandardCharsets.UTF_8);
    }

    static String toJson(Object o, String indent) {
        if (o instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                return "{}";
            }
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(indent).append("  \"").append(esc(String.valueOf(e.getKey()))).append("\": ")
                        .append(toJson(e.getValue(), indent + "  ")).append(++i < m.size() ? ",\n" : "\n");
            }
            return sb.append(indent).append("}").toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(toJson(l.get(i), indent + "  "));
            }
            return sb.append("]").toString();
        }
        if (o instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.3f", d);
        }
        if (o instanceof Number || o instanceof Boolean) {
            return String.valueOf(o);
        }
        return "\"" + esc(String.valueOf(o)) + "\"";
    }

    static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
