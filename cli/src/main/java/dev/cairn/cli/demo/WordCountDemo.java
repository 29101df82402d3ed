package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.Delivery;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.JobListener;
import dev.cairn.kafka.RunningJob;
import dev.cairn.state.RocksDbStateBackend;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn demo wordcount}: a bounded job — the lines of a file, loaded once into a source topic,
 * split into words, counted by a keyed counter with two instances, written by the exactly-once sink
 * to a one-partition output topic as {@code word -> running count} on every occurrence. It can be
 * killed at any moment and started again with the same arguments until it finishes; a read_committed
 * reader of the output then sees, for every word, the counts 1, 2, …, n exactly once each.
 */
@Command(name = "wordcount", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Count the words of a file through source -> splitter -> keyed counter -> exactly-once sink, "
                + "on an embedded Kafka broker. Kill it at any moment and start it again with the same arguments "
                + "until it finishes; --dump-output prints the committed output.",
                "A word is a maximal run of characters other than ASCII whitespace (space, tab, CR, LF, FF, VT); "
                        + "case-sensitive."},
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {"0:All input counted, the final checkpoint complete and the output committed (or: output dumped).",
                "2:Usage error, input that is not valid UTF-8 (the line is named), or another input than the data directory's.",
                "3:The input file or the data directory cannot be used, or (--dump-output) there is no output yet.",
                "4:The job failed, or an internal error."})
public final class WordCountDemo implements Callable<Integer> {
    static final String JOB_ID = "wordcount";
    static final String INPUT_TOPIC = "cairn-demo-wordcount-input";
    static final String LOADED_TOPIC = "cairn-demo-wordcount-loaded";
    static final String OUTPUT_TOPIC = "cairn-demo-wordcount-output";

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--input", paramLabel = "FILE", required = true,
                description = "The text to count (UTF-8, one record per line); loaded into the source topic once.")
        Path input;

        @Option(names = "--dump-output", required = true,
                description = "Print the committed output records in topic order, one 'word<TAB>count' per line.")
        boolean dump;
    }

    @Option(names = "--data-dir", paramLabel = "DIR", required = true,
            description = "Where the broker's data, the checkpoints and the local state live; the same on every restart.")
    Path dataDir;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class, description = "Time between checkpoints (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--in-flight", paramLabel = "MODE", defaultValue = "REFERENCE",
            description = "REFERENCE or COPY (default: ${DEFAULT-VALUE}).")
    InFlightMode inFlight;

    @Mixin
    KafkaOptions kafkaOptions = new KafkaOptions();

    @Override
    public Integer call() throws Exception {
        if (interval.compareTo(Duration.ofMillis(50)) < 0) {
            throw new CliException(ExitCode.USAGE, "--checkpoint-interval must be at least 50ms, was "
                    + BankDemo.human(interval));
        }
        kafkaOptions.validate();
        DemoLogging.quietBroker();
        PrintWriter out = spec.commandLine().getOut();
        Path dir = dataDir.toAbsolutePath().normalize();
        if (mode.dump) {
            if (!Files.isDirectory(dir.resolve("kafka")) && !kafkaOptions.external()) {
                throw new CliException(ExitCode.NOT_FOUND, "no word count output in " + dir
                        + ": run 'cairn demo wordcount --input FILE --data-dir " + dir + "' first");
            }
            try (KafkaConnection kafka = kafkaOptions.open(dir)) {
                dump(kafka, out);
                return ExitCode.OK;
            }
        }
        if (!Files.isRegularFile(mode.input)) {
            throw new CliException(ExitCode.NOT_FOUND, "input file " + mode.input.toAbsolutePath() + " does not exist"
                    + (Files.isDirectory(mode.input) ? " (it is a directory)" : ""));
        }
        InputLoader.validate(mode.input); // a bad line is named before any broker starts
        Path checkpoints = DemoDirectories.prepare(dir, "checkpoints");
        Path rocksdb = DemoDirectories.prepare(dir, "rocksdb");
        try (KafkaConnection kafka = kafkaOptions.open(dir)) {
            out.println("cairn demo wordcount on " + kafka.description() + "; data in " + dir);
            kafka.ensureTopic(INPUT_TOPIC);
            kafka.ensureTopic(LOADED_TOPIC);
            kafka.ensureTopic(OUTPUT_TOPIC);
            InputLoader.Loaded loaded = new InputLoader(kafka.properties(), INPUT_TOPIC, LOADED_TOPIC,
                    "cairn-demo-wordcount-loader").load(mode.input, out);
            Job job = build(kafka.properties(), checkpoints, rocksdb, out);
            try (RunningJob running = job.start()) {
                while (!running.awaitTermination(Duration.ofSeconds(1))) {
                    // the job finishes by itself once every line is counted and the final checkpoint completed
                }
                if (running.failure().isPresent()) {
                    throw new CliException(ExitCode.INTERNAL, "the word count job failed: "
                            + running.failure().get().getMessage(), running.failure().get());
                }
                out.println("done: " + loaded.lines() + " lines counted; the output is committed in topic '"
                        + OUTPUT_TOPIC + "' (print it with --dump-output)");
                return ExitCode.OK;
            }
        }
    }

    private Job build(Map<String, Object> kafka, Path checkpoints, Path rocksdb, PrintWriter out) {
        try {
            return Job.builder(JOB_ID)
                    .kafka(kafka)
                    .checkpointDirectory(checkpoints)
                    .stateBackend(RocksDbStateBackend.builder().localDirectory(rocksdb).build())
                    .checkpoints(CheckpointConfig.builder().interval(interval).inFlight(inFlight).build())
                    .listener(new Progress(out))
                    .boundedSource("lines", INPUT_TOPIC)
                    .operator("split", Splitter::new)
                    .operator("count", Counter::new, 2)
                    .sink("out", OUTPUT_TOPIC, Delivery.EXACTLY_ONCE)
                    .channel("lines", "split").channel("split", "count").channel("count", "out")
                    .chain("lines", "split")
                    .build();
        } catch (CairnException e) {
            if (e.reason() == CairnException.Reason.TOPOLOGY || e.reason() == CairnException.Reason.CONFIGURATION) {
                throw new CliException(ExitCode.USAGE, e.getMessage(), e);
            }
            throw e;
        }
    }

    /** Prints the committed output, in topic order, as {@code word<TAB>count} lines. */
    private static void dump(KafkaConnection kafka, PrintWriter out) {
        Map<String, Object> p = new HashMap<>(kafka.properties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TopicPartition tp = new TopicPartition(OUTPUT_TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            if (!consumer.listTopics(Duration.ofSeconds(60)).containsKey(OUTPUT_TOPIC)) {
                throw new CliException(ExitCode.NOT_FOUND, "no word count output yet: topic '" + OUTPUT_TOPIC
                        + "' does not exist on " + kafka.description());
            }
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(60)).get(tp);
            StringBuilder batch = new StringBuilder();
            while (consumer.position(tp, Duration.ofSeconds(60)) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() >= end) {
                        break;
                    }
                    batch.append(new String(r.key(), StandardCharsets.UTF_8)).append('\t')
                            .append(new String(r.value(), StandardCharsets.UTF_8)).append('\n');
                }
                out.print(batch);
                batch.setLength(0);
            }
            out.flush();
        }
    }

    /** Progress of the job: restores and completed checkpoints. */
    private static final class Progress implements JobListener {
        private final PrintWriter out;

        Progress(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void onRestored(int epoch, long restoredCheckpoint, long restoreNanos) {
            out.println(restoredCheckpoint == 0 ? "epoch " + epoch + ": fresh start"
                    : "restored checkpoint " + restoredCheckpoint + " in " + TimeUnit.NANOSECONDS.toMillis(restoreNanos)
                    + " ms (epoch " + epoch + ")");
        }

        @Override
        public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
            out.println("checkpoint " + manifest.checkpointId() + " took " + TimeUnit.NANOSECONDS.toMillis(durationNanos)
                    + " ms, " + BankAuditor.bytes(manifest.totalBytes()));
        }

        @Override
        public void onRollback(int failedEpoch, String reason) {
            out.println("rollback of epoch " + failedEpoch + ": " + reason);
        }
    }

    /** Splits a line into words: maximal runs of characters other than ASCII whitespace; each word is its key. */
    static final class Splitter implements Operator {
        @Override
        public void process(Record record, Emitter out) {
            byte[] line = record.value();
            int start = -1;
            for (int i = 0; i <= line.length; i++) {
                boolean space = i == line.length || isAsciiWhitespace(line[i]);
                if (!space && start < 0) {
                    start = i;
                } else if (space && start >= 0) {
                    byte[] word = java.util.Arrays.copyOfRange(line, start, i);
                    out.emit("count", word, word);
                    start = -1;
                }
            }
        }

        /** Space, tab, LF, VT, FF, CR. Bytes of multi-byte UTF-8 characters are never these. */
        static boolean isAsciiWhitespace(byte b) {
            return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
        }
    }

    /** Emits the word's new running count (decimal text) on every occurrence. */
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
            out.emit("out", record.key(), Long.toString(n).getBytes(StandardCharsets.UTF_8));
        }
    }
}
