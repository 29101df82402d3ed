package dev.cairn.core.topology;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.CairnException;
import dev.cairn.core.TriggerStyle;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per rejected topology, each asserting that the message names the offending ids. */
class TopologyTest {

    private static void assertTopologyError(Runnable r, String... fragments) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.TOPOLOGY);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    @Test
    void rejectsDuplicateOperatorIds() {
        assertTopologyError(() -> Topology.builder().operator("a").operator("b").operator("a").build(),
                "duplicate operator id 'a'");
    }

    @Test
    void rejectsChannelFromUnknownOperator() {
        assertTopologyError(() -> Topology.builder().operator("a").channel("x", "a").build(),
                "channel x->a", "unknown operator 'x'");
    }

    @Test
    void rejectsChannelToUnknownOperator() {
        assertTopologyError(() -> Topology.builder().operator("a").channel("a", "y").build(),
                "channel a->y", "unknown operator 'y'");
    }

    @Test
    void rejectsChannelBetweenTwoUnknownOperators() {
        assertTopologyError(() -> Topology.builder().operator("a").channel("x", "y").build(),
                "unknown operators 'x', 'y'");
    }

    @Test
    void rejectsDuplicateChannel() {
        assertTopologyError(() -> Topology.builder().operator("a").operator("b").channel("a", "b").channel("a", "b").build(),
                "duplicate channel a->b");
    }

    @Test
    void rejectsInvalidOperatorId() {
        assertTopologyError(() -> Topology.builder().operator("a/b").build(), "invalid operator id 'a/b'");
        assertTopologyError(() -> Topology.builder().operator("").build(), "invalid operator id ''");
    }

    @Test
    void rejectsEmptyTopology() {
        assertTopologyError(() -> Topology.builder().build(), "at least one operator");
    }

    @Test
    void rejectsOperatorsUnreachableFromTriggeredSources() {
        Topology t = Topology.builder().source("src").operator("a").operator("b").operator("c")
                .channel("src", "a").channel("b", "c").build();
        assertTopologyError(() -> t.validateFor(TriggerStyle.SOURCES_ONLY, AlignmentMode.UNALIGNED),
                "operators [b, c] are neither triggered nor reachable", "[src]");
    }

    @Test
    void acceptsTheSameTopologyWhenEveryOperatorIsTriggered() {
        Topology t = Topology.builder().source("src").operator("a").operator("b").operator("c")
                .channel("src", "a").channel("b", "c").build();
        t.validateFor(TriggerStyle.ALL_OPERATORS, AlignmentMode.UNALIGNED);
    }

    @Test
    void rejectsSourcesOnlyTriggersWithoutSources() {
        Topology t = Topology.builder().operator("a").operator("b").channel("a", "b").channel("b", "a").build();
        assertTopologyError(() -> t.validateFor(TriggerStyle.SOURCES_ONLY, AlignmentMode.UNALIGNED),
                "no operator is triggered", "SOURCES_ONLY");
    }

    @Test
    void rejectsAlignedModeOnACycleNamingTheCycle() {
        Topology t = Topology.builder().source("src").operator("a").operator("b").operator("c")
                .channel("src", "a").channel("a", "b").channel("b", "c").channel("c", "a").build();
        assertTopologyError(() -> t.validateFor(TriggerStyle.SOURCES_ONLY, AlignmentMode.ALIGNED),
                "aligned mode needs an acyclic topology: cycle a -> b -> c -> a");
    }

    @Test
    void rejectsAlignedModeWithTriggersAtEveryOperator() {
        Topology t = Topology.builder().source("src").operator("a").channel("src", "a").build();
        assertTopologyError(() -> t.validateFor(TriggerStyle.ALL_OPERATORS, AlignmentMode.ALIGNED),
                "aligned mode needs trigger style SOURCES_ONLY", "ALL_OPERATORS");
    }

    @Test
    void rejectsAlignedModeWhenASourceHasInputChannels() {
        Topology t = Topology.builder().source("src").source("s2").channel("src", "s2").build();
        assertTopologyError(() -> t.validateFor(TriggerStyle.SOURCES_ONLY, AlignmentMode.ALIGNED),
                "triggered source 's2' has input channels [src->s2]");
    }

    @Test
    void findsACycleThroughASelfLoop() {
        Topology t = Topology.builder().operator("a").channel("a", "a").build();
        assertThat(t.findCycle()).contains(List.of("a", "a"));
    }

    @Test
    void acceptsAnAlignedDag() {
        Topology t = Topology.builder().source("s").operator("a").operator("b").operator("k")
                .channel("s", "a").channel("s", "b").channel("a", "k").channel("b", "k").build();
        t.validateFor(TriggerStyle.SOURCES_ONLY, AlignmentMode.ALIGNED);
        assertThat(t.findCycle()).isEmpty();
        assertThat(t.inputsOf("k")).containsExactly(ChannelId.of("a", "k"), ChannelId.of("b", "k"));
    }

    @Test
    void parsesAndPrintsChannelIds() {
        assertThat(ChannelId.parse("a->b")).isEqualTo(ChannelId.of("a", "b"));
        assertThat(ChannelId.of("a", "b")).hasToString("a->b");
        assertThatThrownBy(() -> ChannelId.parse("ab")).hasMessageContaining("'ab'");
    }
}
