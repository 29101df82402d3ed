package dev.cairn.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each setter rejects a bad value naming the setting; build() checks the rules across settings. */
class CheckpointConfigTest {

    private static void assertConfigError(Runnable r, String fragment) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.CONFIGURATION);
            assertThat(e.getMessage()).contains(fragment);
        });
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        CheckpointConfig c = CheckpointConfig.defaults();
        assertThat(c.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.inFlight()).isEqualTo(InFlightMode.COPY);
        assertThat(c.alignment()).isEqualTo(AlignmentMode.UNALIGNED);
        assertThat(c.triggers()).isEqualTo(TriggerStyle.ALL_OPERATORS);
        assertThat(c.retained()).isEqualTo(3);
        assertThat(c.maxConcurrent()).isEqualTo(1);
        assertThat(c.tolerableFailures()).isEqualTo(3);
        assertThat(c.periodic()).isTrue();
    }

    @Test
    void rejectsBadSingleValuesNamingTheSetting() {
        assertConfigError(() -> CheckpointConfig.builder().interval(Duration.ZERO), "interval must be positive");
        assertConfigError(() -> CheckpointConfig.builder().timeout(Duration.ofSeconds(-1)), "timeout must be positive");
        assertConfigError(() -> CheckpointConfig.builder().minPause(Duration.ofMillis(-1)), "minPause must be >= 0");
        assertConfigError(() -> CheckpointConfig.builder().maxConcurrent(0), "maxConcurrent must be between 1 and 64, was 0");
        assertConfigError(() -> CheckpointConfig.builder().tolerableFailures(-2), "tolerableFailures must be >= 0, was -2");
        assertConfigError(() -> CheckpointConfig.builder().retained(0), "retained must be >= 1, was 0");
        assertConfigError(() -> CheckpointConfig.builder().maxChannelStateBytes(0), "maxChannelStateBytes must be >= 1");
    }

    @Test
    void rejectsCombinationsThatCannotWork() {
        assertConfigError(() -> CheckpointConfig.builder().interval(Duration.ofSeconds(1)).minPause(Duration.ofSeconds(1)).build(),
                "minPause (PT1S) must be smaller than interval (PT1S)");
        assertConfigError(() -> CheckpointConfig.builder().alignmentTimeout(Duration.ofMillis(5)).build(),
                "alignmentTimeout (PT0.005S) is set but alignment is UNALIGNED");
        assertConfigError(() -> CheckpointConfig.builder().alignment(AlignmentMode.ALIGNED).build(),
                "alignment ALIGNED needs triggers SOURCES_ONLY, but triggers is ALL_OPERATORS");
    }

    @Test
    void toBuilderKeepsEverySetting() {
        CheckpointConfig c = CheckpointConfig.builder().interval(Duration.ofMillis(300)).inFlight(InFlightMode.REFERENCE)
                .maxConcurrent(3).retained(7).periodic(false).build();
        assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString());
    }
}
