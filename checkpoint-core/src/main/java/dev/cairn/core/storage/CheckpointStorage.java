package dev.cairn.core.storage;

import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.topology.ChannelId;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a job's checkpoints live. The layout under {@code <root>/<job>/}:
 *
 * <pre>
 *   EPOCH, RESTORES, IDS          epoch record, restore history, id counter
 *   shared/&lt;operator&gt;/&lt;unique&gt;    immutable files shared by checkpoints, created exclusively
 *   chk-&lt;id&gt;/&lt;operator&gt;/...       an operator's private files and its local-snapshot descriptor
 *   chk-&lt;id&gt;/channels/...         channel-state files (copy mode)
 *   chk-&lt;id&gt;/MANIFEST             written last, atomically: the commit point
 * </pre>
 *
 * All paths in {@link FileRef}s are relative to the job root. Every method that writes makes its
 * result durable (fsync of the file and of the directories it created) before it returns. Errors
 * are {@link dev.cairn.core.CairnException}s naming the path; a damaged checkpoint is a {@link
 * CorruptCheckpointException}. Implementations are safe for use from several threads.
 */
public interface CheckpointStorage extends AutoCloseable {

    /** The job whose checkpoints this storage holds. */
    String jobId();

    // ---------------------------------------------------------------- ids, epochs, restore history

    /**
     * Allocates the next checkpoint id and makes the counter durable before returning it. Ids are
     * strictly increasing across restarts and never reused.
     */
    long allocateCheckpointId();

    /** The current epoch record, or empty if the job never started. */
    Optional<EpochRecord> currentEpoch();

    /** The restore history, oldest first (a fresh start is an entry with checkpoint 0). */
    List<RestoreEntry> restoreHistory();

    /**
     * Starts a new epoch, one above every epoch seen so far (in the epoch record and the restore
     * history): appends {@code (epoch, restoredCheckpointId)} to the restore history first, then
     * writes the epoch record. {@code restoredCheckpointId} is 0 for a fresh start.
     */
    EpochRecord beginEpoch(long restoredCheckpointId, Map<String, String> roster);

    // ---------------------------------------------------------------- files of a checkpoint

    /** A new private file {@code chk-<id>/<operator>/<name>} (name may contain '/'). */
    CheckpointFileWriter createPrivateFile(long checkpointId, String operatorId, String name);

    /** A new channel-state file for {@code channel} under {@code chk-<id>/channels/}. */
    CheckpointFileWriter createChannelStateFile(long checkpointId, ChannelId channel);

    /**
     * A new shared file under {@code shared/<operator>/}, created exclusively under a name never
     * used before (it contains the creating checkpoint id, so retention can tell whether a pending
     * checkpoint may still reference it, and a unique part, so a restore that rewinds a database's
     * file numbering never collides with a stored name).
     */
    CheckpointFileWriter createSharedFile(String operatorId, long checkpointId, String baseName);

    /**
     * Opens a referenced file for reading. Reading it to the end also checks its size and CRC32C
     * (a {@link CorruptCheckpointException} at the end of the stream if they differ).
     *
     * @throws CorruptCheckpointException if it is missing, has another size than recorded, or
     *                                    escapes the job root
     */
    InputStream openFile(FileRef ref);

    /**
     * Checks a referenced file exists with its recorded size and, if {@code deep}, its CRC32C.
     *
     * @throws CorruptCheckpointException naming the file and the fault
     */
    void verifyFile(FileRef ref, boolean deep);

    /** Writes the operator's local-snapshot descriptor under {@code chk-<id>/<operator>/}. */
    FileRef writeLocalSnapshot(LocalSnapshot snapshot);

    /** Reads a local-snapshot descriptor that an ack points at. */
    LocalSnapshot readLocalSnapshot(FileRef ref);

    // ---------------------------------------------------------------- manifests

    /**
     * Commits a checkpoint: writes its manifest to a temporary name, fsyncs it, renames it to
     * {@code chk-<id>/MANIFEST} and fsyncs the directory. Fails if a manifest for that id exists.
     */
    void commitManifest(Manifest manifest);

    /**
     * The newest checkpoint that can be restored: the highest id whose manifest parses and
     * verifies, whose files all exist with their recorded sizes (and checksums, when {@code deep}),
     * and which is not on an abandoned branch of the restore history. Skipped ones are logged and
     * listed with their reason. A storage that cannot be read is an error, never a reason to skip.
     */
    LatestResult latest(boolean deep);

    /** Reads and verifies one manifest (not its files). */
    Manifest readManifest(long checkpointId);

    /** Every checkpoint directory with its status, newest first. */
    List<CheckpointListing> list(boolean deep);

    /**
     * Retention, run by the coordinator only. Checks first that {@code coordinatorEpoch} is still
     * the current epoch (a stalled coordinator must not delete what the live epoch depends on) and
     * throws a FENCED {@link dev.cairn.core.CairnException} if not. Keeps the {@code keep} newest
     * checkpoints that {@link #latest} would accept; removes older and abandoned-branch ones and
     * incomplete directories not in {@code pending}; removes shared files that no retained
     * manifest references and whose creating checkpoint is not pending. Manifests go first, so a
     * crash at any point never leaves a retained checkpoint unreadable. {@code pending} must hold
     * every id allocated and neither completed nor aborted at the time of the call; {@code keep}
     * must be at least 1.
     */
    RetentionResult retain(int keep, Set<Long> pending, int coordinatorEpoch);

    // ---------------------------------------------------------------- history (informational)

    /**
     * Appends an entry to the job's checkpoint history. Best effort: a failure is logged, never
     * thrown, and never affects a checkpoint.
     */
    default void appendHistory(CheckpointHistoryEntry entry) {
    }

    /** The history, oldest first; lines that cannot be read (a torn last line) are skipped. */
    default List<CheckpointHistoryEntry> history() {
        return List.of();
    }

    @Override
    void close();
}
