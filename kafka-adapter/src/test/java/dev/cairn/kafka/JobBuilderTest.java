package dev.cairn.kafka;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.TriggerStyle;
import dev.cairn.core.topology.ChannelId;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A job is checked when it is built: every error names the ids at fault. No broker needed. */
class JobBuilderTest {
    private static Job.Builder base() {
        return Job.builder("j").bootstrapServers("localhost:1").checkpointDirectory(Path.of("/tmp/cairn-never-created"));
    }

    private static void assertRejected(Runnable r, CairnException.Reason reason, String... fragments) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    @Test
    void expandsChainsAndParallelOperatorsIntoNodesAndChannels() {
        Job job = base().source("src", "in").operator("split", () -> (r, o) -> { })
                .operator("count", () -> (r, o) -> { }, 3).sink("out", "result")
                .channel("src", "split").channel("split", "count").channel("count", "out")
                .chain("src", "split").build();
        assertThat(job.topology().operatorIds()).containsExactlyInAnyOrder("src", "count.0", "count.1", "count.2", "out");
        assertThat(job.topology().channels()).contains(ChannelId.of("src", "count.2"), ChannelId.of("count.1", "out"));
        assertThat(job.channelTopic(ChannelId.of("count.1", "out"))).isEqualTo("cairn.j.count.1--out");
    }

    @Test
    void rejectsBadIdsAndDuplicates() {
        assertRejected(() -> Job.builder("bad id"), CairnException.Reason.CONFIGURATION, "invalid job id 'bad id'");
        assertRejected(() -> base().operator("a--b", () -> (r, o) -> { }), CairnException.Reason.TOPOLOGY,
                "invalid operator id 'a--b'");
        assertRejected(() -> base().operator("a", () -> (r, o) -> { }).operator("a", () -> (r, o) -> { }),
                CairnException.Reason.TOPOLOGY, "duplicate operator id 'a'");
        assertRejected(() -> base().operator("a", () -> (r, o) -> { }, 0), CairnException.Reason.CONFIGURATION,
                "parallelism of 'a' must be between 1 and 1024, was 0");
        assertRejected(() -> base().source("s", "bad topic!"), CairnException.Reason.CONFIGURATION, "invalid topic name 'bad topic!'");
    }

    @Test
    void rejectsChannelsThatCannotExist() {
        assertRejected(() -> base().operator("a", () -> (r, o) -> { }).channel("a", "x").build(), CairnException.Reason.TOPOLOGY,
                "channel a->x refers to unknown operator 'x'");
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).channel("a", "s").build(),
                CairnException.Reason.TOPOLOGY, "source 's' reads its topic only");
        assertRejected(() -> base().sink("k", "out").operator("a", () -> (r, o) -> { }).channel("k", "a").build(),
                CairnException.Reason.TOPOLOGY, "sink 'k' writes its topic only");
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).channel("s", "a").channel("s", "a").build(),
                CairnException.Reason.TOPOLOGY, "duplicate channel s->a");
    }

    @Test
    void rejectsChainsThatCannotBeFused() {
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).operator("b", () -> (r, o) -> { })
                        .channel("s", "a").channel("s", "b").channel("a", "b").chain("a", "b").build(),
                CairnException.Reason.TOPOLOGY, "'b' must have exactly one input (from 'a') to be chained, it has 2");
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }, 2).channel("s", "a").chain("s", "a").build(),
                CairnException.Reason.TOPOLOGY, "different parallelism (1 and 2)");
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).chain("s", "a").build(),
                CairnException.Reason.TOPOLOGY, "there is no channel s->a");
    }

    @Test
    void rejectsUnreachableOperatorsAlignedCyclesAndBoundedCycles() {
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).operator("b", () -> (r, o) -> { })
                        .channel("s", "a").checkpoints(CheckpointConfig.builder().triggers(TriggerStyle.SOURCES_ONLY).build()).build(),
                CairnException.Reason.TOPOLOGY, "operators [b] are neither triggered nor reachable");
        assertRejected(() -> base().source("s", "in").operator("a", () -> (r, o) -> { }).operator("b", () -> (r, o) -> { })
                        .channel("s", "a").channel("a", "b").channel("b", "a")
                        .checkpoints(CheckpointConfig.builder().triggers(TriggerStyle.SOURCES_ONLY)
                                .alignment(AlignmentMode.ALIGNED).build()).build(),
                CairnException.Reason.TOPOLOGY, "aligned mode needs an acyclic topology: cycle a -> b -> a");
        assertRejected(() -> base().boundedSource("s", "in").operator("a", () -> (r, o) -> { }).operator("b", () -> (r, o) -> { })
                        .channel("s", "a").channel("a", "b").channel("b", "a").build(),
                CairnException.Reason.TOPOLOGY, "bounded source but a cycle (a -> b -> a)");
    }

    @Test
    void requiresBootstrapServersAndACheckpointDirectory() {
        assertRejected(() -> Job.builder("j").checkpointDirectory(Path.of("/tmp")).source("s", "in").build(),
                CairnException.Reason.CONFIGURATION, "'bootstrap.servers' is not set");
        assertRejected(() -> Job.builder("j").bootstrapServers("x:1").source("s", "in").build(),
                CairnException.Reason.CONFIGURATION, "checkpointDirectory is not set");
    }
}
