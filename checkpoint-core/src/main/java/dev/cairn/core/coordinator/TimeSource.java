package dev.cairn.core.coordinator;

/** Time, injected so schedules and timeouts are tested without sleeping. */
public interface TimeSource {
    /** Monotonic nanoseconds, for intervals and timeouts. */
    long nanoTime();

    /** Wall-clock milliseconds, only for what is shown to people (manifest creation time). */
    long currentTimeMillis();

    TimeSource SYSTEM = new TimeSource() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
