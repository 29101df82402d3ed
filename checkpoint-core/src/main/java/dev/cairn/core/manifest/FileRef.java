package dev.cairn.core.manifest;

/**
 * A file that a checkpoint references: its path relative to the job root (forward slashes, never
 * absolute, never escaping the root), its size in bytes and its CRC32C.
 */
public record FileRef(String path, long size, long crc32c) {
    public FileRef {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("file path must not be empty");
        }
        if (size < 0) {
            throw new IllegalArgumentException("file size must be >= 0, was " + size + " for " + path);
        }
        if (crc32c < 0 || crc32c > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("crc32c must be an unsigned 32-bit value, was " + crc32c + " for " + path);
        }
    }

    /** The CRC32C as 8 lower-case hex digits. */
    public String crc32cHex() {
        return String.format("%08x", crc32c);
    }
}
