package dev.cairn.core.simulation;

import dev.cairn.core.storage.CheckpointStorage;

/**
 * The checkpoint storage of a simulation and the machine under it: the storage is the production
 * implementation; the file system below it loses what was not made durable at a crash, can hit a
 * crash point on purpose, and can fail writes for a while.
 */
public interface SimStorage {
    /** Opens the job's storage (again, after a crash). */
    CheckpointStorage open();

    /** The machine crashes and restarts: everything not durable is lost. */
    void crash();

    /** The {@code operations}-th file-system call from now throws a simulated crash. */
    void armCrashAfter(long operations);

    /** Removes any armed crash point. */
    void disarm();

    /** While on, every write fails with an I/O error. */
    void failWrites(boolean on);
}
