package dev.cairn.core.storage;

import dev.cairn.core.manifest.Manifest;

/**
 * One checkpoint directory as {@link CheckpointStorage#list} sees it.
 *
 * @param checkpointId the id from the directory name
 * @param status       its status
 * @param reason       why it is not COMPLETE (naming the file and the fault), or {@code null}
 * @param manifest     the manifest if it could be read, else {@code null}
 */
public record CheckpointListing(long checkpointId, CheckpointStatus status, String reason, Manifest manifest) {
}
