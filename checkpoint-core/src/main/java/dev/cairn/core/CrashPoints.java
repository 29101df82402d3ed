package dev.cairn.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Named places where a test can make the process die on purpose, so the worst moments are hit by
 * design, not by luck. Disarmed (the default) a hit costs one volatile read.
 *
 * <p>Arm from outside with the system property {@code cairn.crash.at=<name>[@<n>]} (the n-th hit,
 * default the first): the process then halts at once with exit code 137, as if SIGKILLed (no
 * shutdown hooks, nothing flushed). In-process tests can {@link #arm} a handler instead.
 *
 * <p>Names in use: {@code checkpoint.afterSyncSnapshot}, {@code checkpoint.afterLocalSnapshot}
 * (written, not yet acknowledged), {@code manifest.beforeRename}, {@code manifest.afterRename},
 * {@code retention.afterManifestDeletes}, {@code restore.duringReplay}, {@code sink.afterPrepare},
 * {@code sink.beforeCommit}, {@code sink.duringCommit}, {@code sink.duringRestore}, and in the cli
 * {@code demo.duringLoad} (the word count demo's input load, before it commits).
 */
public final class CrashPoints {
    /** Exit code of a deliberate crash, the shell's code for SIGKILL. */
    public static final int EXIT_CODE = 137;

    private static final Map<String, Armed> ARMED = new ConcurrentHashMap<>();
    private static volatile boolean any;

    private record Armed(AtomicInteger remaining, Consumer<String> action) {
    }

    static {
        String spec = System.getProperty("cairn.crash.at");
        if (spec != null && !spec.isBlank()) {
            int at = spec.indexOf('@');
            String name = at < 0 ? spec.trim() : spec.substring(0, at).trim();
            int n = at < 0 ? 1 : Integer.parseInt(spec.substring(at + 1).trim());
            arm(name, n, CrashPoints::halt);
        }
    }

    private CrashPoints() {
    }

    /** Marks the place {@code name}; does nothing unless armed. */
    public static void hit(String name) {
        if (!any) {
            return;
        }
        Armed a = ARMED.get(name);
        if (a != null && a.remaining.decrementAndGet() == 0) {
            a.action.accept(name);
        }
    }

    /**
     * A fault point: true (once) at the {@code nth} call for a name armed with {@link #armFault};
     * the caller then behaves as if the operation failed. Costs one volatile read when disarmed.
     * Names in use: {@code channel.send} (a record send to a channel fails; the sends after it,
     * markers included, go through).
     */
    public static boolean fault(String name) {
        if (!any) {
            return false;
        }
        Armed a = ARMED.get(name);
        return a != null && a.remaining.decrementAndGet() == 0;
    }

    /** Makes the {@code nth} {@link #fault} call for {@code name} return true (tests). */
    public static void armFault(String name, int nth) {
        arm(name, nth, n -> {
        });
    }

    /** Runs {@code action} at the {@code nth} hit of {@code name} (tests). */
    public static void arm(String name, int nth, Consumer<String> action) {
        if (nth < 1) {
            throw new IllegalArgumentException("crash point hit count must be >= 1, was " + nth);
        }
        ARMED.put(name, new Armed(new AtomicInteger(nth), action));
        any = true;
    }

    /** Disarms every crash point. */
    public static void disarmAll() {
        ARMED.clear();
        any = false;
    }

    /** Dies now, as if killed. */
    public static void halt(String name) {
        System.err.println("cairn: crash point '" + name + "' hit: halting");
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_CODE);
    }
}
