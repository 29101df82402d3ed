package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Operator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
                () -> new WordCountOperators.Counter("out"));
    }

    /** As above, with the counter's instances made by {@code counter} (it must emit to "out"). */
    static Job.Builder wordcount(String jobId, Map<String, Object> kafka, String prefix, Path checkpoints, String in,
                                 String out, InFlightMode mode, Duration heartbeat, Duration heartbeatTimeout,
                                 boolean bounded, Supplier<? extends Operator> counter) {
        return Job.builder(jobId)
                .kafka(kafka)
                .topicPrefix(prefix)
                .checkpointDirectory(checkpoints)
                .source("lines", in, 1, bounded)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", counter, 2)
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(200)).inFlight(mode).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(200), 20))
                .heartbeat(heartbeat, heartbeatTimeout)
                .startTimeout(Duration.ofSeconds(60));
    }
}
