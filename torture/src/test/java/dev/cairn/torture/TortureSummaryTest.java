package dev.cairn.torture;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The summary stays readable when a run finds many violations: the first ones, then a count. */
class TortureSummaryTest {
    @Test
    void listsTheFirstViolationsAndCountsTheRest() {
        List<String> violations = new ArrayList<>();
        for (int i = 1; i <= Torture.LISTED_VIOLATIONS + 5; i++) {
            violations.add("violation " + i);
        }
        StringBuilder sb = new StringBuilder();
        Torture.appendCapped(sb, violations);
        List<String> lines = sb.toString().lines().toList();
        assertThat(lines).hasSize(Torture.LISTED_VIOLATIONS + 1);
        assertThat(lines.get(0)).isEqualTo("    violation 1");
        assertThat(lines.get(Torture.LISTED_VIOLATIONS - 1)).isEqualTo("    violation " + Torture.LISTED_VIOLATIONS);
        assertThat(lines.get(Torture.LISTED_VIOLATIONS)).isEqualTo("    ... and 5 more");
    }

    @Test
    void listsEveryViolationWhenThereAreFew() {
        StringBuilder sb = new StringBuilder();
        Torture.appendCapped(sb, List.of("a", "b"));
        assertThat(sb.toString()).isEqualTo("    a\n    b\n");
    }
}
