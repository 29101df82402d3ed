package dev.cairn.core;

/** Which operators the coordinator triggers directly. */
public enum TriggerStyle {
    /** Every operator is triggered; markers still flow (the default). */
    ALL_OPERATORS,
    /** Only sources are triggered; the others record at their first marker (barrier flow). */
    SOURCES_ONLY
}
