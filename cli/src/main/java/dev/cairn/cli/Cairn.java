package dev.cairn.cli;

import dev.cairn.cli.checkpoints.CheckpointsCommand;
import dev.cairn.cli.demo.DemoCommand;
import dev.cairn.cli.report.ReportCommand;
import dev.cairn.core.CairnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * The {@code cairn} command: the root of the picocli command tree. Subcommands are plain classes
 * listed in {@link Command#subcommands()} below; adding one (the {@code demo} commands) is one entry
 * there. Every command returns an {@link ExitCode}; expected failures are {@link CliException}s
 * (and cairn's own {@link CairnException}s), printed as one line — with the stack trace only under
 * {@code --verbose}.
 */
@Command(name = "cairn",
        mixinStandardHelpOptions = true,
        versionProvider = Cairn.VersionProvider.class,
        description = "Inspect, verify and picture the checkpoints of a cairn job.",
        subcommands = {DemoCommand.class, CheckpointsCommand.class, ReportCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        footerHeading = "%n",
        footer = "Run 'cairn COMMAND --help' for the options of a command. Documentation: cli/README.md.")
public final class Cairn implements Callable<Integer> {

    /** The option name every command accepts (inherited): stack traces and debug logging. */
    public static final String VERBOSE = "--verbose";

    @Spec
    CommandSpec spec;

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "Print stack traces of errors and debug logging of the checkpoint storage.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line with the given streams and returns its exit code (for tests: in-process). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /** The configured command tree: output to {@code out}, errors to {@code err}, exit codes as documented. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setExecutionStrategy(parseResult -> {
            configureLogging(isVerbose(parseResult));
            return new CommandLine.RunLast().execute(parseResult);
        });
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(Cairn::usageError);
        cmd.setExecutionExceptionHandler((e, failed, parseResult) -> failure(e, failed, isVerbose(parseResult)));
        return cmd;
    }

    /** {@code cairn} alone: the usage, as a usage error (a command is required). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    // ---------------------------------------------------------------- errors

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        PrintWriter err = failed.getErr();
        String name = failed.getCommandSpec().qualifiedName();
        err.println("cairn: " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
        if (isVerbose(failed.getParseResult())) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCode.USAGE;
    }

    private static int failure(Exception e, CommandLine failed, boolean verbose) {
        PrintWriter err = failed.getErr();
        int code;
        String message;
        if (e instanceof CliException c) {
            code = c.exitCode();
            message = c.getMessage();
        } else if (e instanceof CairnException c) {
            code = exitCodeOf(c);
            message = c.getMessage();
        } else if (e instanceof UncheckedIOException || e instanceof IOException) {
            code = ExitCode.NOT_FOUND;
            message = "I/O error: " + e.getMessage();
        } else {
            code = ExitCode.INTERNAL;
            message = "internal error: " + e + (verbose ? "" : "; rerun with --verbose and report the stack trace");
        }
        err.println("cairn: " + oneLine(message));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * Exit code of an error of the core library. A damaged record or manifest is a checkpoint
     * problem; a STORAGE error caused by an I/O failure is "unreadable"; a STORAGE error with another
     * cause is a record that failed its checks (the core reports damaged EPOCH and RESTORES records
     * as STORAGE errors caused by its internal format exception).
     */
    static int exitCodeOf(CairnException e) {
        switch (e.reason()) {
            case CORRUPT_CHECKPOINT:
            case INCOMPATIBLE_RESTORE:
                return ExitCode.CHECKPOINT_PROBLEM;
            case NO_VALID_CHECKPOINT:
                return ExitCode.NOT_FOUND;
            case STORAGE:
                return e.getCause() == null || e.getCause() instanceof IOException
                        ? ExitCode.NOT_FOUND : ExitCode.CHECKPOINT_PROBLEM;
            default:
                return ExitCode.INTERNAL;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** True if {@code --verbose} was given on any command of the command line. */
    static boolean isVerbose(ParseResult result) {
        for (ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return false;
    }

    /**
     * slf4j-simple reads its settings once, when the first logger is made: done here, after parsing
     * and before any command touches the storage. Warnings of the storage (e.g. stray files in the
     * job directory) go to stderr as "WARN ..." lines; settings given with -D win.
     */
    private static void configureLogging(boolean verbose) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** {@code --version}: the build's version, the manifest format it reads, and the Java runtime. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cairn " + version() + " (reads manifest format up to "
                    + dev.cairn.core.manifest.Manifest.CURRENT_FORMAT_VERSION + "; Java "
                    + System.getProperty("java.version") + ")"};
        }

        static String version() {
            Properties p = new Properties();
            try (InputStream in = Cairn.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                return "unknown";
            }
            return p.getProperty("version", "unknown");
        }
    }
}
