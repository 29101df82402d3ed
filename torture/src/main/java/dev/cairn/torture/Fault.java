package dev.cairn.torture;

/** The kinds of fault the torture harness injects. */
public enum Fault {
    /** SIGKILL an operator process, then start it again. */
    KILL_OPERATOR,
    /** SIGKILL the coordinator's process, then start it again. */
    KILL_COORDINATOR,
    /** Start a process armed to halt at a named crash point; counted when it hits. */
    CRASH_POINT,
    /** SIGSTOP a process past its heartbeat timeout, start a replacement, SIGCONT it: one of the two must stop. */
    PAUSE,
    /** Stop the broker (its own process) and start it again. */
    BROKER_RESTART,
    /** Make checkpoint storage fail every write for a while. */
    STORAGE_FAILURE
}
