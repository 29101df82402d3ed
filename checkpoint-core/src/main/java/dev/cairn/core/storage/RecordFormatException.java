package dev.cairn.core.storage;

/**
 * A checksummed JSON file (manifest, local-snapshot descriptor, EPOCH, RESTORES, IDS) that cannot
 * be trusted. Carries the fault without the file's name and role, which the caller knows and puts
 * into its own message: {@code "manifest " + summary + " in " + path + " (" + detail + ")"}.
 */
final class RecordFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    enum Fault {
        /** Does not end with a well-formed checksum field: cut short, or its tail damaged. */
        TRUNCATED,
        /** The checksum does not match the bytes. */
        CHECKSUM_MISMATCH,
        /** Intact, but written in a format version this build does not read. */
        NEWER_FORMAT,
        /** Intact, but not a valid document of the expected kind. */
        MALFORMED
    }

    private final Fault fault;
    private final String summary;
    private final String detail;

    RecordFormatException(Fault fault, String summary, String detail) {
        this(fault, summary, detail, null);
    }

    RecordFormatException(Fault fault, String summary, String detail, Throwable cause) {
        super(summary + (detail == null ? "" : " (" + detail + ")"), cause);
        this.fault = fault;
        this.summary = summary;
        this.detail = detail;
    }

    Fault fault() {
        return fault;
    }

    /** "{what} {summary} in {path} ({detail})": names the file and the fault. */
    String describe(String what, Object path) {
        return what + " " + summary + " in " + path + (detail == null ? "" : " (" + detail + ")");
    }
}
