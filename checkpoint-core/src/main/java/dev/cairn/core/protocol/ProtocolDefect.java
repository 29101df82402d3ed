package dev.cairn.core.protocol;

/**
 * Deliberate bugs that tests switch on to prove the simulation oracle can fail. Never set in
 * production: {@link OperatorProtocol} is built without defects unless a test asks for one.
 */
public enum ProtocolDefect {
    /** (a) In-flight records are not appended to the channel state. */
    SKIP_IN_FLIGHT_RECORDS,
    /** (b) Markers are sent only after a few more records were processed and emitted. */
    LATE_MARKERS,
    /** (c) A marker closes the recording of every open checkpoint on its input, not only its own. */
    MARKER_CLOSES_ALL,
    /** (d) The reference range starts at the consumer's fetch position, not the processed position. */
    FETCH_POSITION_AS_START
}
