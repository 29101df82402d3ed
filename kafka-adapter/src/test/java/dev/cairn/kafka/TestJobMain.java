package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs part of a test job in its own process (for multi-process and crash tests). Arguments are
 * {@code key=value}: job, jobId, bootstrap, prefix, checkpoints, in, out, mode, nodes (comma
 * separated, empty for none), coordinator (true/false), heartbeatMs, timeoutMs, kafkaProps (a
 * properties file of extra client settings, e.g. SASL credentials), counterDelayMs (the counter
 * waits this long per word, so that its inputs pile up), poisonFlag (a path: while that file
 * exists, the counter emits every count negated, so a test can tell what this process wrote after
 * it appeared), delivery (of the sink: AT_LEAST_ONCE, the default, or EXACTLY_ONCE). Prints
 * {@code cairn-test started} once running. Exit codes: 0 finished, 1 failed, 2 fenced (replaced).
 */
public final class TestJobMain {
    private TestJobMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Map<String, Object> kafka = new HashMap<>();
        kafka.put("bootstrap.servers", a.get("bootstrap"));
        if (a.containsKey("kafkaProps")) {
            java.util.Properties props = new java.util.Properties();
            try (var in = java.nio.file.Files.newInputStream(Path.of(a.get("kafkaProps")))) {
                props.load(in);
            }
            props.forEach((k, v) -> kafka.put(k.toString(), v));
        }
        long delayMs = Long.parseLong(a.getOrDefault("counterDelayMs", "0"));
        Path poison = a.containsKey("poisonFlag") ? Path.of(a.get("poisonFlag")) : null;
        Job job = TestJobs.wordcount(a.get("jobId"), kafka, a.get("prefix"), Path.of(a.get("checkpoints")), a.get("in"),
                a.get("out"), InFlightMode.valueOf(a.getOrDefault("mode", "COPY")),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("heartbeatMs", "200"))),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("timeoutMs", "2000"))), true,
                () -> new MarkedCounter(delayMs, poison), Delivery.valueOf(a.getOrDefault("delivery", "AT_LEAST_ONCE"))).build();
        String nodes = a.getOrDefault("nodes", "");
        Set<String> hosted = nodes.isEmpty() ? Set.of() : Set.of(nodes.split(","));
        boolean coordinator = Boolean.parseBoolean(a.getOrDefault("coordinator", "false"));
        RunningJob running = job.start(Job.Deployment.of(hosted, coordinator));
        System.out.println("cairn-test started");
        System.out.flush();
        running.awaitTermination(Duration.ofMinutes(10));
        int code = running.failure().map(e -> e.reason() == CairnException.Reason.FENCED ? 2 : 1).orElse(0);
        running.failure().ifPresent(e -> System.out.println("cairn-test failure: " + e.getMessage()));
        System.out.println("cairn-test exit " + code);
        System.out.flush();
        running.close();
        Runtime.getRuntime().halt(code);
    }

    /** Word count's counter, slowed down and marking its output as the arguments say. */
    static final class MarkedCounter implements Operator {
        private final long delayMs;
        private final Path poison;
        private KeyedState<String, Long> counts;
        private boolean toldPoisoned;

        MarkedCounter(long delayMs, Path poison) {
            this.delayMs = delayMs;
            this.poison = poison;
        }

        @Override
        public void open(OperatorContext context) {
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            if (delayMs > 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMs)); // throttling, not synchronization
            }
            String word = new String(record.value(), StandardCharsets.UTF_8);
            Long c = counts.get(word);
            long n = c == null ? 1 : c + 1;
            counts.put(word, n);
            boolean poisoned = poison != null && Files.exists(poison);
            if (poisoned && !toldPoisoned) {
                toldPoisoned = true;
                System.out.println("cairn-test poisoned output from " + record.from());
                System.out.flush();
            }
            out.emit("out", record.key(), ByteBuffer.allocate(8).putLong(poisoned ? -n : n).array());
        }
    }
}
