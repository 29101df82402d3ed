package dev.cairn.core.storage;

/**
 * Thrown by {@link CrashSimulatingFs} at a chosen crash point, and by every later call until the
 * simulated machine is restarted with {@link CrashSimulatingFs#crash()}. It is an {@link Error} so
 * that the code under test, which handles {@link java.io.IOException}s and runtime exceptions,
 * cannot swallow it and go on as if the process were still alive.
 */
public final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    private final transient FsOperation operation;

    public SimulatedCrash(String message, FsOperation operation) {
        super(message);
        this.operation = operation;
    }

    /** The operation the crash happened before (it did not take effect). */
    public FsOperation operation() {
        return operation;
    }
}
