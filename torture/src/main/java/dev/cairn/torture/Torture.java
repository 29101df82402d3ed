package dev.cairn.torture;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.testkit.BrokerProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The torture harness: runs the bank and word count as several OS processes against a broker in
 * its own process, and injects faults — SIGKILLs of operator and coordinator processes, crash
 * points hit on purpose, a process paused past its heartbeat timeout and replaced, broker
 * restarts, checkpoint storage failing writes. It checks that the bank total is conserved in
 * every completed checkpoint and at the end, that word count's exactly-once output is 1..n per
 * word, and that no restore went to an incomplete, abandoned or outdated checkpoint. Prints a
 * summary; exits 1 on any violation.
 */
@Command(name = "torture", mixinStandardHelpOptions = true,
        description = "Inject faults into cairn jobs running as several processes and check nothing breaks.")
public final class Torture implements Callable<Integer> {
    @Option(names = "--faults", description = "faults to inject in all (default ${DEFAULT-VALUE})")
    int faults = 30;
    @Option(names = "--seed", description = "seed of the fault schedule (default: the time)")
    Long seed;
    @Option(names = "--work", description = "working directory (default: a new temporary one)")
    Path work;
    @Option(names = "--out", description = "write torture-<name>.json and .md here (results of a run)")
    Path out;
    @Option(names = "--name", description = "name of the results files (default ${DEFAULT-VALUE})")
    String name = "run";
    @Option(names = "--mode", description = "in-flight mode: COPY or REFERENCE (default ${DEFAULT-VALUE})")
    InFlightMode mode = InFlightMode.REFERENCE;
    @Option(names = "--wordcount-lines", description = "lines per word-count round (default ${DEFAULT-VALUE})")
    int lines = 30_000;
    @Option(names = "--pace-ms", description = "least time between two faults (default ${DEFAULT-VALUE}); up to twice that")
    int pauseMin = 1_500;
    int pauseSpread;
    @Option(names = "--workloads", split = ",", description = "bank, wordcount or both (default ${DEFAULT-VALUE})")
    List<String> workloads = List.of("bank"); // word count needs the exactly-once sink (issue 6)

    private static final String[] CRASH_POINTS_ANY = {"manifest.beforeRename", "manifest.afterRename",
            "checkpoint.afterLocalSnapshot", "checkpoint.afterSyncSnapshot", "retention.afterManifestDeletes"};
    private static final String[] CRASH_POINTS_SINK = {"sink.afterPrepare", "sink.beforeCommit", "sink.duringCommit",
            "sink.duringRestore"};

    private Random random;
    private BrokerProcess broker;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    private final Map<String, Integer> crashPointsHit = new TreeMap<>();
    private final List<Fault> owed = new ArrayList<>();
    private int serial;
    private int restores;
    private int completed;
    private long failedCheckpoints;
    private int audited;
    private int wordcountRounds;
    private Path faultFlag;

    public static void main(String[] args) {
        int code = new CommandLine(new Torture()).execute(args);
        System.exit(code);
    }

    /** Runs in this JVM (the CI test calls this). */
    public static Result run(String... args) {
        Torture t = new Torture();
        int code = new CommandLine(t).execute(args);
        return new Result(code, new ArrayList<>(t.violations), new EnumMap<>(t.injected), t.restores, t.completed);
    }

    /** What a run found. */
    public record Result(int exitCode, List<String> violations, Map<Fault, Integer> faults, int restores, int completed) {
    }

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.nanoTime();
        pauseSpread = Math.max(1, pauseMin);
        random = new Random(s);
        if (work == null) {
            work = Files.createTempDirectory("cairn-torture-");
        }
        Files.createDirectories(work);
        faultFlag = work.resolve("storage-fails");
        for (Fault f : Fault.values()) {
            injected.put(f, 0);
        }
        List<Fault> kinds = new ArrayList<>(List.of(Fault.values()));
        Collections.shuffle(kinds, random);
        owed.addAll(kinds); // every kind at least once, in random order, before random choices
        long start = System.nanoTime();
        System.out.println("torture: seed " + s + ", " + faults + " faults, mode " + mode + ", work " + work);
        try (BrokerProcess b = BrokerProcess.builder().dataDir(work.resolve("kafka")).build().start()) {
            broker = b;
            boolean bank = workloads.contains("bank");
            boolean wc = workloads.contains("wordcount");
            if (bank) {
                runBank(wc ? faults - faults / 3 : faults);
            }
            if (wc) {
                int left = faults - total();
                while (left > 0 || wordcountRounds == 0) {
                    runWordCount(left);
                    left = faults - total();
                }
            }
        } finally {
            Files.deleteIfExists(faultFlag);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        String summary = summary(s, seconds);
        System.out.println(summary);
        if (out != null) {
            writeResults(s, seconds, summary);
        }
        return violations.isEmpty() ? 0 : 1;
    }

    private int total() {
        return injected.values().stream().mapToInt(Integer::intValue).sum();
    }

    // -------------------------------------------------------------------------------- a job as processes

    /** The processes of one job: slots, each with its current process. */
    private final class Cluster {
        final String workload;
        final String jobId;
        final Map<String, List<String>> slots = new LinkedHashMap<>();
        final Map<String, Child> children = new HashMap<>();
        final List<String> base;
        final String coordinatorSlot;
        final String sinkSlot;
        final AtomicBoolean finished = new AtomicBoolean();

        Cluster(String workload, String jobId, List<String> base, String coordinatorSlot, String sinkSlot) {
            this.workload = workload;
            this.jobId = jobId;
            this.base = base;
            this.coordinatorSlot = coordinatorSlot;
            this.sinkSlot = sinkSlot;
        }

        Child start(String slot, String crashPoint) throws IOException {
            List<String> args = new ArrayList<>(base);
            args.add("--nodes=" + String.join(",", slots.get(slot)));
            if (slot.equals(coordinatorSlot)) {
                args.add("--coordinator");
            }
            Child c = Child.start(slot, args, work.resolve("logs").resolve(jobId), ++serial, crashPoint);
            children.put(slot, c);
            return c;
        }

        /** Restarts whatever died: a crash point hit (137), a replaced process (2); a failure (1) is a violation. */
        void supervise() throws IOException {
            for (Map.Entry<String, Child> e : new ArrayList<>(children.entrySet())) {
                Child c = e.getValue();
                if (c.alive()) {
                    continue;
                }
                int code = c.exitCode();
                if (code == 0) {
                    if (e.getKey().equals(coordinatorSlot)) {
                        finished.set(true);
                    }
                    continue;
                }
                if (code == 137 && c.crashPoint != null) {
                    crashPointsHit.merge(c.crashPoint.replaceAll("@.*", ""), 1, Integer::sum);
                    count(Fault.CRASH_POINT);
                } else if (code == 1) {
                    violations.add(jobId + ": process " + e.getKey() + " failed: " + lastLine(c.output(), "torture-node failure"));
                }
                if (!finished.get()) {
                    start(e.getKey(), null);
                }
            }
        }

        void stopAll() throws InterruptedException {
            for (Child c : children.values()) {
                if (c.alive()) {
                    c.kill();
                }
            }
        }
    }

    private static String lastLine(String text, String prefix) {
        String found = "(no message)";
        for (String l : text.split("\n")) {
            if (l.startsWith(prefix)) {
                found = l;
            }
        }
        return found;
    }

    private void count(Fault f) {
        injected.merge(f, 1, Integer::sum);
        owed.remove(f);
    }

    private List<String> base(String workload, String jobId, String prefix, String input, String output) {
        List<String> a = new ArrayList<>(List.of("--workload=" + workload, "--job-id=" + jobId,
                "--bootstrap=" + broker.bootstrapServers(), "--prefix=" + prefix,
                "--checkpoints=" + work.resolve("checkpoints"), "--rocksdb=" + work.resolve("rocksdb"),
                "--input=" + input, "--fault-flag=" + faultFlag, "--mode=" + mode, "--heartbeat-ms=300",
                "--timeout-ms=3000"));
        if (output != null) {
            a.add("--output=" + output);
        }
        return a;
    }

    private void createTopics(Map<String, Integer> topics) throws Exception {
        try (Admin admin = Admin.create(broker.clientProperties())) {
            List<NewTopic> nts = new ArrayList<>();
            topics.forEach((t, p) -> nts.add(new NewTopic(t, p, (short) 1)));
            admin.createTopics(nts).all().get(60, TimeUnit.SECONDS);
        }
    }

    // -------------------------------------------------------------------------------- the bank

    private void runBank(int target) throws Exception {
        String jobId = "torture-bank";
        String prefix = "cairn";
        String ticks = "torture-ticks";
        createTopics(Map.of(ticks, 1));
        Cluster cluster = new Cluster("bank", jobId, base("bank", jobId, prefix, ticks, null), "c", null);
        cluster.slots.put("c", List.of("ticks"));
        cluster.slots.put("p1", List.of("a0", "a1"));
        cluster.slots.put("p2", List.of("a2", "a3", "a4"));
        Job job = TortureJobs.bank(jobId, ticks, common(prefix));
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produceTicks(ticks, producing), "torture-ticks");
        producer.setDaemon(true);
        producer.start();
        for (String slot : cluster.slots.keySet()) {
            cluster.start(slot, null);
        }
        try (Auditor auditor = new Auditor(job, work.resolve("checkpoints"), work.resolve("audit"),
                broker.clientProperties(), true, violations)) {
            awaitProgress(cluster, auditor, 1);
            int goal = total() + target;
            while (total() < goal) {
                pace(cluster, auditor);
                inject(cluster, auditor, goal);
            }
            awaitProgress(cluster, auditor, auditor.completed() + 2); // it completes checkpoints again at the end
            producing.set(false);
            cluster.stopAll();
            auditor.poll();
            auditor.checkRestores();
            restores += auditor.restores();
            completed += auditor.completed();
            audited += auditor.audited();
            failedCheckpoints += Math.max(0, auditor.failedCheckpoints());
        }
    }

    private TortureJobs.Common common(String prefix) {
        return new TortureJobs.Common(broker.bootstrapServers(), prefix, work.resolve("checkpoints"),
                work.resolve("rocksdb"), mode, Duration.ofMillis(300), Duration.ofSeconds(3), new NioStorageFs());
    }

    private void produceTicks(String topic, AtomicBoolean producing) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        long i = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            while (producing.get()) {
                producer.send(new ProducerRecord<>(topic, null, ByteBuffer.allocate(8).putLong(i++).array()));
                if (i % 20 == 0) {
                    Thread.sleep(100); // a steady trickle of ticks: about 200 per second
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // -------------------------------------------------------------------------------- word count

    private void runWordCount(int target) throws Exception {
        wordcountRounds++;
        String jobId = "torture-wc" + wordcountRounds;
        String prefix = "cairn";
        String in = "torture-wc-in-" + wordcountRounds;
        String outTopic = "torture-wc-out-" + wordcountRounds;
        createTopics(Map.of(in, 2, outTopic, 1));
        Map<String, Long> expected = writeLines(in);
        Cluster cluster = new Cluster("wordcount", jobId, base("wordcount", jobId, prefix, in, outTopic), "c", "p3");
        cluster.slots.put("c", List.of("lines"));
        cluster.slots.put("p2", List.of("count.0", "count.1"));
        cluster.slots.put("p3", List.of("out"));
        Job job = TortureJobs.wordcount(jobId, in, outTopic, common(prefix));
        for (String slot : cluster.slots.keySet()) {
            cluster.start(slot, null);
        }
        try (Auditor auditor = new Auditor(job, work.resolve("checkpoints"), work.resolve("audit"),
                broker.clientProperties(), false, violations)) {
            int goal = total() + target;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (!cluster.finished.get() && System.nanoTime() < deadline) {
                pace(cluster, auditor);
                if (total() < goal && !cluster.finished.get()) {
                    inject(cluster, auditor, goal);
                }
            }
            if (!cluster.finished.get()) {
                violations.add(jobId + ": did not finish within 10 minutes");
            }
            Files.deleteIfExists(faultFlag);
            cluster.stopAll();
            auditor.poll();
            auditor.checkRestores();
            restores += auditor.restores();
            completed += auditor.completed();
            failedCheckpoints += Math.max(0, auditor.failedCheckpoints());
        }
        checkWordCount(jobId, outTopic, expected);
    }

    private Map<String, Long> writeLines(String topic) {
        String[] vocabulary = new String[500];
        for (int i = 0; i < vocabulary.length; i++) {
            vocabulary[i] = "w" + Integer.toString(i * 7919, 36);
        }
        Map<String, Long> expected = new TreeMap<>();
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < lines; i++) {
                StringBuilder sb = new StringBuilder();
                for (int w = 0; w < 1 + random.nextInt(8); w++) {
                    String word = vocabulary[random.nextInt(vocabulary.length)];
                    sb.append(word).append(' ');
                    expected.merge(word, 1L, Long::sum);
                }
                producer.send(new ProducerRecord<>(topic, null, sb.toString().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return expected;
    }

    /** The partition's end for read_uncommitted: every record written, committed or not. */
    private long highWatermark(TopicPartition tp) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private void checkWordCount(String jobId, String topic, Map<String, Long> expected) throws InterruptedException {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<Long>> seen = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            // A commit's markers land a moment after commitTransaction returns: until then the last
            // stable offset (read_committed's end) lags the high watermark, and reading to it would
            // miss the last commit. Wait for them to meet; a transaction still open after a minute
            // is itself a finding.
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (end < highWatermark(tp) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling the broker's offsets, not synchronizing threads
                end = c.endOffsets(List.of(tp)).get(tp);
            }
            if (end < highWatermark(tp)) {
                violations.add(jobId + ": a transaction on '" + topic + "' stayed open a minute after the job finished"
                        + " (last stable offset " + end + " < high watermark " + highWatermark(tp) + ")");
            }
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    seen.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(ByteBuffer.wrap(r.value()).getLong());
                }
            }
        }
        if (!seen.keySet().equals(expected.keySet())) {
            violations.add(jobId + ": words in the output differ from the input (" + seen.size() + " vs " + expected.size() + ")");
        }
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<Long> counts = seen.getOrDefault(e.getKey(), List.of());
            boolean exact = counts.size() == e.getValue();
            for (int i = 0; exact && i < counts.size(); i++) {
                exact = counts.get(i) == i + 1;
            }
            if (!exact) {
                violations.add(jobId + ": the exactly-once output of '" + e.getKey() + "' is not 1.." + e.getValue() + ": "
                        + (counts.size() > 12 ? counts.subList(0, 12) + "... (" + counts.size() + ")" : counts));
            }
        }
    }

    // -------------------------------------------------------------------------------- faults

    /** Waits a random while, restarting what died and letting the auditor look. */
    private void pace(Cluster cluster, Auditor auditor) throws Exception {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMin + random.nextInt(pauseSpread));
        while (System.nanoTime() < until && !cluster.finished.get()) {
            cluster.supervise();
            auditor.poll();
            Thread.sleep(200); // the harness's pace between faults, not a synchronization
        }
        cluster.supervise();
    }

    /** Waits until the job completed at least {@code n} checkpoints (bounded). */
    private void awaitProgress(Cluster cluster, Auditor auditor, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (auditor.completed() < n && System.nanoTime() < deadline && !cluster.finished.get()) {
            cluster.supervise();
            auditor.poll();
            Thread.sleep(200);
        }
        if (auditor.completed() < n && !cluster.finished.get()) {
            violations.add(cluster.jobId + ": no checkpoint completed for 3 minutes (had " + auditor.completed()
                    + ", waited for " + n + ")");
        }
    }

    private Fault choose() {
        if (!owed.isEmpty()) {
            return owed.get(0);
        }
        Fault[] all = Fault.values();
        return all[random.nextInt(all.length)];
    }

    private void inject(Cluster cluster, Auditor auditor, int goal) throws Exception {
        Fault f = choose();
        List<String> operators = new ArrayList<>(cluster.slots.keySet());
        operators.remove(cluster.coordinatorSlot);
        switch (f) {
            case KILL_OPERATOR -> {
                String slot = operators.get(random.nextInt(operators.size()));
                cluster.children.get(slot).kill();
                count(f);
                cluster.start(slot, null);
            }
            case KILL_COORDINATOR -> {
                cluster.children.get(cluster.coordinatorSlot).kill();
                count(f);
                cluster.start(cluster.coordinatorSlot, null);
            }
            case CRASH_POINT -> {
                String point;
                String slot;
                if (cluster.sinkSlot != null && random.nextBoolean()) {
                    point = CRASH_POINTS_SINK[random.nextInt(CRASH_POINTS_SINK.length)];
                    slot = cluster.sinkSlot;
                } else {
                    point = CRASH_POINTS_ANY[random.nextInt(CRASH_POINTS_ANY.length)];
                    slot = point.startsWith("manifest") || point.startsWith("retention") ? cluster.coordinatorSlot
                            : operators.get(random.nextInt(operators.size()));
                }
                cluster.children.get(slot).kill();
                Child armed = cluster.start(slot, point + "@" + (1 + random.nextInt(2)));
                // counted when it hits (supervise sees exit 137); wait a while for that
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (armed.alive() && System.nanoTime() < deadline && !cluster.finished.get()) {
                    auditor.poll();
                    Thread.sleep(200);
                }
                cluster.supervise();
            }
            case PAUSE -> {
                String slot = operators.get(random.nextInt(operators.size()));
                Child paused = cluster.children.get(slot);
                paused.signal("STOP");
                int epochBefore = epochOf(cluster);
                Child replacement = cluster.start(slot, null); // takes the slot
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (epochOf(cluster) <= epochBefore && System.nanoTime() < deadline && !cluster.finished.get()) {
                    auditor.poll();
                    Thread.sleep(200);
                }
                paused.signal("CONT");
                count(f);
                // one of the two learns it is not in the roster and stops (exit 2); keep the other
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (paused.alive() && replacement.alive() && System.nanoTime() < deadline && !cluster.finished.get()) {
                    Thread.sleep(200);
                }
                if (paused.alive() && replacement.alive() && !cluster.finished.get()) {
                    violations.add(cluster.jobId + ": a paused process and its replacement both kept running for 60 s");
                    paused.kill();
                } else if (!replacement.alive() && paused.alive()) {
                    cluster.children.put(slot, paused); // the resumed process was named again: it keeps the slot
                } else if (paused.alive()) {
                    paused.kill();
                }
            }
            case BROKER_RESTART -> {
                broker.stop();
                broker.start();
                count(f);
            }
            case STORAGE_FAILURE -> {
                Files.writeString(faultFlag, "fail");
                count(f);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000 + random.nextInt(2_000));
                while (System.nanoTime() < until) {
                    cluster.supervise();
                    Thread.sleep(200);
                }
                Files.deleteIfExists(faultFlag);
            }
        }
    }

    private int epochOf(Cluster cluster) {
        try (var storage = dev.cairn.core.storage.LocalCheckpointStorage.open(work.resolve("checkpoints"), cluster.jobId,
                new NioStorageFs())) {
            return storage.currentEpoch().map(e -> e.epoch()).orElse(0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    // -------------------------------------------------------------------------------- results

    private String summary(long s, long seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("torture summary (seed ").append(s).append(", mode ").append(mode).append(", ").append(seconds).append(" s)\n");
        sb.append("  faults injected: ").append(total()).append(" ").append(injected).append('\n');
        sb.append("  crash points hit: ").append(crashPointsHit).append('\n');
        sb.append("  restores: ").append(restores).append('\n');
        sb.append("  checkpoints completed: ").append(completed).append(", failed or aborted: ").append(failedCheckpoints)
                .append(", bank checkpoints audited: ").append(audited).append('\n');
        sb.append("  word-count rounds: ").append(wordcountRounds).append('\n');
        sb.append("  violations: ").append(violations.size()).append('\n');
        appendCapped(sb, violations);
        return sb.toString();
    }

    /** How many violations a summary lists; the rest are counted (all of them are in the JSON results). */
    static final int LISTED_VIOLATIONS = 20;

    /** Appends the first {@link #LISTED_VIOLATIONS} of {@code violations}, one a line, and how many more there are. */
    static void appendCapped(StringBuilder sb, List<String> violations) {
        List<String> all = new ArrayList<>(violations);
        for (String v : all.subList(0, Math.min(all.size(), LISTED_VIOLATIONS))) {
            sb.append("    ").append(v).append('\n');
        }
        if (all.size() > LISTED_VIOLATIONS) {
            sb.append("    ... and ").append(all.size() - LISTED_VIOLATIONS).append(" more\n");
        }
    }

    private void writeResults(long s, long seconds, String summary) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "java -cp torture/target/classes:$(cat torture/target/classpath.txt) dev.cairn.torture.Torture "
                + "--faults " + faults + " --seed " + s + " --mode " + mode + " --wordcount-lines " + lines
                + " --out " + out + " --name " + name);
        json.put("date", Instant.now().toString());
        json.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.version"), "os", System.getProperty("os.name") + " " + System.getProperty("os.version")));
        json.put("seed", s);
        json.put("mode", mode.toString());
        json.put("seconds", seconds);
        json.put("faults", injected);
        json.put("crashPointsHit", crashPointsHit);
        json.put("restores", restores);
        json.put("checkpointsCompleted", completed);
        json.put("checkpointsFailedOrAborted", failedCheckpoints);
        json.put("bankCheckpointsAudited", audited);
        json.put("wordcountRounds", wordcountRounds);
        json.put("violations", violations);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("torture-" + name + ".json").toFile(), json);
        Files.writeString(out.resolve("torture-" + name + ".md"), "# Torture run `" + name + "`\n\nCommand:\n\n```\n"
                + json.get("command") + "\n```\n\nMachine: " + json.get("machine") + ", " + json.get("date") + "\n\n```\n"
                + summary + "```\n");
    }
}
