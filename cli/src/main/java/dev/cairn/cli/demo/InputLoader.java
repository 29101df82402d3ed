package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.core.CrashPoints;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Loads an input file into a topic exactly once: one record per line, all lines and a "loaded"
 * record (line count and CRC32C of the file) in ONE Kafka transaction. A process killed during the
 * load leaves an open transaction that the next loader's {@code initTransactions()} aborts, so a
 * read_committed reader — the job's source — sees either no line or every line, once; the loaded
 * record, committed with the lines, is how a restart knows not to load again.
 *
 * <p>Lines end at {@code \n}; a trailing {@code \r} is removed; the last line needs no {@code \n}.
 * Every line must be valid UTF-8: the whole file is checked before anything is written, and the
 * first bad line is named.
 */
final class InputLoader {
    /** Crash point hit after each line is sent, before the load commits (tests: a kill mid-load). */
    static final String DURING_LOAD = "demo.duringLoad";

    /** What a committed load recorded. */
    record Loaded(long lines, long crc) {
        byte[] encode() {
            return ByteBuffer.allocate(16).putLong(lines).putLong(crc).array();
        }

        static Loaded decode(byte[] value) {
            ByteBuffer b = ByteBuffer.wrap(value);
            return new Loaded(b.getLong(), b.getLong());
        }
    }

    /** One pass over the file's lines. */
    interface LineSink {
        void line(long number, byte[] line);
    }

    private final Map<String, Object> kafka;
    private final String linesTopic;
    private final String loadedTopic;
    private final String transactionalId;

    InputLoader(Map<String, Object> kafka, String linesTopic, String loadedTopic, String transactionalId) {
        this.kafka = kafka;
        this.linesTopic = linesTopic;
        this.loadedTopic = loadedTopic;
        this.transactionalId = transactionalId;
    }

    /** Reads {@code file} line by line (the demo's line rules); returns the number of lines and the CRC32C of the file. */
    static Loaded scan(Path file, LineSink sink) {
        CRC32C crc = new CRC32C();
        long number = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                crc.update(buf, 0, n);
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        number++;
                        sink.line(number, withoutCr(line.toByteArray()));
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
            if (line.size() > 0) {
                number++;
                sink.line(number, withoutCr(line.toByteArray()));
            }
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.NOT_FOUND, "input file " + file + " does not exist");
        } catch (IOException e) {
            throw new CliException(ExitCode.NOT_FOUND, "cannot read input file " + file + ": " + e, e);
        }
        return new Loaded(number, crc.getValue());
    }

    private static byte[] withoutCr(byte[] line) {
        if (line.length > 0 && line[line.length - 1] == '\r') {
            byte[] shorter = new byte[line.length - 1];
            System.arraycopy(line, 0, shorter, 0, shorter.length);
            return shorter;
        }
        return line;
    }

    /** Checks that every line is valid UTF-8; the error names the first line that is not. */
    static Loaded validate(Path file) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        return scan(file, (number, line) -> {
            try {
                decoder.reset().decode(ByteBuffer.wrap(line));
            } catch (CharacterCodingException e) {
                throw new CliException(ExitCode.USAGE, "input file " + file + ", line " + number
                        + ": not valid UTF-8 (" + e.getMessage() + "); nothing was loaded");
            }
        });
    }

    /** The load committed earlier, if any (read_committed: an aborted or open load does not count). */
    Optional<Loaded> committed() {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TopicPartition tp = new TopicPartition(loadedTopic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(60)).get(tp);
            Loaded found = null;
            while (consumer.position(tp, Duration.ofSeconds(60)) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    found = Loaded.decode(r.value());
                }
            }
            return Optional.ofNullable(found);
        }
    }

    /**
     * Loads {@code file} unless a load committed already; returns what is loaded. A committed load
     * of a different file (another CRC32C) is an error: the data directory belongs to that input.
     */
    Loaded load(Path file, java.io.PrintWriter out) {
        Loaded scanned = validate(file);
        // A loader killed mid-load left an open transaction: initTransactions() below aborts it. Done
        // first, so that what committed() reads next is settled.
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofMinutes(15).toMillis());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            Optional<Loaded> done = committed();
            if (done.isPresent()) {
                if (done.get().crc() != scanned.crc() || done.get().lines() != scanned.lines()) {
                    throw new CliException(ExitCode.USAGE, "the data directory holds another input (" + done.get().lines()
                            + " lines, CRC32C " + hex(done.get().crc()) + ") than " + file + " (" + scanned.lines()
                            + " lines, CRC32C " + hex(scanned.crc()) + "); use another --data-dir for another input");
                }
                out.println("input already loaded: " + scanned.lines() + " lines of " + file);
                return done.get();
            }
            out.println("loading " + scanned.lines() + " lines of " + file + " (one transaction)");
            out.flush();
            producer.beginTransaction();
            Loaded loaded = scan(file, (number, line) -> {
                producer.send(new ProducerRecord<>(linesTopic, null, line));
                CrashPoints.hit(DURING_LOAD);
            });
            if (loaded.crc() != scanned.crc()) {
                producer.abortTransaction();
                throw new CliException(ExitCode.USAGE, "input file " + file + " changed while it was loaded; nothing was loaded");
            }
            producer.send(new ProducerRecord<>(loadedTopic, null, loaded.encode()));
            producer.commitTransaction();
            out.println("loaded " + loaded.lines() + " lines");
            return loaded;
        } catch (KafkaException e) {
            throw new CliException(ExitCode.INTERNAL, "loading " + file + " into topic '" + linesTopic + "' failed: "
                    + e.getMessage() + "; nothing was loaded, run the command again", e);
        }
    }

    private static String hex(long crc) {
        return HexFormat.of().toHexDigits((int) crc);
    }
}
