package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Runs part of a test job in its own process (for multi-process and crash tests). Arguments are
 * {@code key=value}: job, jobId, bootstrap, prefix, checkpoints, in, out, mode, nodes (comma
 * separated, empty for none), coordinator (true/false), heartbeatMs, timeoutMs, kafkaProps (a
 * properties file of extra client settings, e.g. SASL credentials), delivery (of the sink:
 * AT_LEAST_ONCE, the default, or EXACTLY_ONCE). Prints
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
        Job job = TestJobs.wordcount(a.get("jobId"), kafka, a.get("prefix"), Path.of(a.get("checkpoints")), a.get("in"),
                a.get("out"), InFlightMode.valueOf(a.getOrDefault("mode", "COPY")),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("heartbeatMs", "200"))),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("timeoutMs", "2000"))), true,
                Delivery.valueOf(a.getOrDefault("delivery", "AT_LEAST_ONCE"))).build();
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
}
