package dev.cairn.core.simulation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one simulated run found.
 *
 * @param config           the scenario (its seed reproduces the run)
 * @param violations       what the oracle found wrong; empty for a correct run
 * @param steps            scheduling steps taken
 * @param crashes          crashes injected (random kills, crash points, failures)
 * @param restores         job starts and restores
 * @param completed        checkpoints completed
 * @param checkedSnapshots snapshots the oracle checked
 * @param checkedRestores  restores the oracle checked
 * @param windowsHit       how often each named crash window was hit (absent: never)
 */
public record SimulationResult(SimulationConfig config, List<String> violations, int steps, int crashes, int restores,
                               int completed, int checkedSnapshots, int checkedRestores,
                               Map<CrashWindow, Integer> windowsHit) {
    public SimulationResult {
        violations = List.copyOf(violations);
        windowsHit = windowsHit.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new EnumMap<>(windowsHit));
    }

    /** How often crash window {@code w} was hit in this run. */
    public int hits(CrashWindow w) {
        return windowsHit.getOrDefault(w, 0);
    }

    public boolean ok() {
        return violations.isEmpty();
    }

    /** A report naming the seed and how to run it alone. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(config).append('\n');
        sb.append("  steps=").append(steps).append(" crashes=").append(crashes).append(" restores=").append(restores)
                .append(" completed=").append(completed).append(" checkedSnapshots=").append(checkedSnapshots)
                .append(" windows=").append(windowsHit).append('\n');
        for (String v : violations) {
            sb.append("  VIOLATION: ").append(v).append('\n');
        }
        sb.append("  replay alone: ./mvnw -q -pl checkpoint-core verify -Dtest=SimulationTest#replaySeed ")
                .append(config.replayFlags()).append(" -Dsurefire.failIfNoSpecifiedTests=false");
        return sb.toString();
    }
}
