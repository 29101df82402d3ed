package dev.cairn.core.storage;

import java.util.List;

/**
 * What a retention pass kept and removed.
 *
 * @param retained            checkpoint ids kept, newest first
 * @param removedCheckpoints  checkpoints removed (older, abandoned, corrupt, incomplete): their manifest and
 *                            directory, except files that a retained checkpoint still references
 * @param removedSharedFiles  shared files removed, as paths relative to the job root
 */
public record RetentionResult(List<Long> retained, List<Long> removedCheckpoints, List<String> removedSharedFiles) {
    public RetentionResult {
        retained = List.copyOf(retained);
        removedCheckpoints = List.copyOf(removedCheckpoints);
        removedSharedFiles = List.copyOf(removedSharedFiles);
    }
}
