package dev.cairn.cli;

/**
 * The exit codes of every {@code cairn} command, as documented in cli/README.md and in {@code cairn
 * --help}. Scripts depend on them: change one only together with the README.
 */
public final class ExitCode {
    /** The command did what was asked; for {@code verify}: every checkpoint checked is intact. */
    public static final int OK = 0;
    /**
     * A checkpoint problem was found: {@code verify} found a damaged or unverifiable checkpoint, or a
     * manifest or job record (EPOCH, RESTORES) the command needed is damaged.
     */
    public static final int CHECKPOINT_PROBLEM = 1;
    /** The command line is wrong: unknown option, missing argument, or an ambiguous {@code --dir}. */
    public static final int USAGE = 2;
    /**
     * Not found or unreadable: the directory does not exist or holds no cairn job, the checkpoint id
     * does not exist, or reading (or writing the report) failed with an I/O error.
     */
    public static final int NOT_FOUND = 3;
    /** cairn itself failed: an unexpected error (a bug), or the launcher could not build the cli. */
    public static final int INTERNAL = 4;

    /** The exit-code lines of {@code --help} (picocli's {@code exitCodeList}), one per code. */
    public static final String HELP_0 = "0:Success (verify: every checkpoint checked is intact).";
    public static final String HELP_1 =
            "1:A checkpoint problem was found (damaged or unverifiable checkpoint, damaged job record).";
    public static final String HELP_2 =
            "2:Usage error (unknown option, missing argument, --dir holds several jobs: add --job).";
    public static final String HELP_3 =
            "3:Not found or unreadable (no such directory, no cairn job in it, no such checkpoint, I/O error).";
    public static final String HELP_4 =
            "4:Internal error (a bug: rerun with --verbose and report it), or the launcher's build failed.";
    public static final String HELP_HEADING = "%nExit codes:%n";

    private ExitCode() {
    }
}
