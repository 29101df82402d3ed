package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Operator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/** Jobs shared by in-process tests and by {@link TestJobMain} in child processes: defined once. */
final class TestJobs {
    private TestJobs() {
    }

    /** Word count: bounded source chained with the splitter, a counter with 2 instances, a sink. */
    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout) {
        return wordcount(jobId, kafka, prefix, checkpoints, in, out, mode, heartbeat, heartbeatTimeout, true);
    }

    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout,
                                 boolean bounded) {
        return wordcount(jobId, kafka, prefix, checkpoints, in, out, mode, heartbeat, heartbeatTimeout, bounded,
                () -> new WordCountOperators.Counter("out"), Delivery.AT_LEAST_ONCE);
    }

    /** As above, with the counter's instances made by {@code counter} (it must emit to "out"). */
    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout,
                                 boolean bounded, Supplier<? extends Operator> counter) {
        return wordcount(jobId, kafka, prefix, checkpoints, in, out, mode, heartbeat, heartbeatTimeout, bounded,
                counter, Delivery.AT_LEAST_ONCE);
    }

    /** As above, with the sink's delivery guarantee. */
    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout,
                                 boolean bounded, Delivery delivery) {
        return wordcount(jobId, kafka, prefix, checkpoints, in, out, mode, heartbeat, heartbeatTimeout, bounded,
                () -> new WordCountOperators.Counter("out"), delivery);
    }

    /** As above, with both the counter and the sink's delivery guarantee chosen. */
    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout,
                                 boolean bounded, Supplier<? extends Operator> counter, Delivery delivery) {
        return Job.builder(jobId)
                .kafka(kafka)
                .topicPrefix(prefix)
                .checkpointDirectory(checkpoints)
                .source("lines", in, 1, bounded)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", counter, 2)
                .sink("out", out, delivery)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(200)).inFlight(mode).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(200), 20))
                .heartbeat(heartbeat, heartbeatTimeout)
                .startTimeout(Duration.ofSeconds(60));
    }
}
