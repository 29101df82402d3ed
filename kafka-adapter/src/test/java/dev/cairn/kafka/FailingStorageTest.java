package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.FaultInjectingFs;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Checkpoint storage that fails writes for a while: checkpoints fail with the reason, the job keeps
 * running, and checkpoints complete again once storage recovers; past the tolerable failures, the
 * job fails with a clear reason.
 */
@ExtendWith(KafkaBrokerExtension.class)
class FailingStorageTest {
    @TempDir
    Path checkpoints;

    private Job job(EmbeddedKafkaBroker broker, String id, FaultInjectingFs fs, int tolerable, List<String> failures,
                    AtomicLong completed) {
        String in = TestTopics.unique("fs-in");
        broker.createTopic(in, 1);
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).storageFileSystem(fs)
                .source("src", in).operator("a", () -> (record, out) -> { }).channel("src", "a")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).tolerableFailures(tolerable).build())
                .restartPolicy(RestartPolicy.none())
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest m, long d) {
                        completed.set(m.checkpointId());
                    }

                    @Override
                    public void onCheckpointFailed(long id, String reason) {
                        failures.add(reason);
                    }
                }).build();
    }

    @Test
    void checkpointsFailWhileStorageFailsAndCompleteAgainAfterwards(EmbeddedKafkaBroker broker) throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong completed = new AtomicLong();
        try (RunningJob running = job(broker, "fs-recover", fs, 1000, failures, completed).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > 0);
            fs.failWrites();
            await().atMost(Duration.ofSeconds(60)).until(() -> failures.size() >= 3);
            long before = completed.get();
            fs.heal();
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > before);
            assertThat(running.isTerminated()).as("the job kept running").isFalse();
        }
        assertThat(String.join("\n", failures)).containsAnyOf("STATE_SNAPSHOT_FAILED", "cannot write the local snapshot",
                "no checkpoint id could be allocated", "manifest could not be committed");
    }

    @Test
    void pastTheTolerableFailuresTheJobFailsWithTheReason(EmbeddedKafkaBroker broker) throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong completed = new AtomicLong();
        try (RunningJob running = job(broker, "fs-fail", fs, 2, failures, completed).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() > 0);
            fs.failWrites();
            await().atMost(Duration.ofSeconds(60)).until(running::isTerminated);
            assertThat(running.failure()).hasValueSatisfying(e -> assertThat(e.getMessage())
                    .contains("consecutive failures exceed tolerableFailures=2"));
        }
    }
}
