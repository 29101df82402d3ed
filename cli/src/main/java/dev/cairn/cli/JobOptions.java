package dev.cairn.cli;

import dev.cairn.core.CairnException;
import dev.cairn.core.storage.LocalCheckpointStorage;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code --dir} and {@code --job}, shared by every command that reads a job's checkpoints (a picocli
 * mixin), and how they become a read-only {@link JobStorage}.
 *
 * <p>{@code --dir} is the <b>job directory</b> {@code <root>/<job>} — the one holding {@code EPOCH},
 * {@code RESTORES}, {@code IDS} and the {@code chk-<id>} directories. The checkpoint root {@code
 * <root>} is accepted too when it holds exactly one job; when it holds several, {@code --job NAME}
 * chooses one. Nothing is created: a wrong path is an error, never a new empty job directory.
 */
public final class JobOptions {

    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-[1-9][0-9]{0,18}");
    private static final List<String> JOB_RECORDS = List.of("EPOCH", "RESTORES", "IDS", "HISTORY.jsonl");

    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "The job directory (<root>/<job>, holding EPOCH, IDS and chk-* directories), "
                    + "or a checkpoint root holding one job (several: add --job).")
    Path dir;

    @Option(names = "--job", paramLabel = "JOB",
            description = "The job to use when DIR is a checkpoint root holding several jobs.")
    String job;

    /** For tests and callers that build the options themselves. */
    public static JobOptions of(Path dir, String job) {
        JobOptions o = new JobOptions();
        o.dir = dir;
        o.job = job;
        return o;
    }

    /** Finds the job directory and opens its storage read-only. */
    public JobStorage open() {
        Path jobDir = resolve();
        String jobId = jobDir.getFileName().toString();
        try {
            return new JobStorage(jobId, jobDir,
                    LocalCheckpointStorage.open(jobDir.getParent(), jobId, new ReadOnlyStorageFs()));
        } catch (CairnException e) {
            if (e.reason() == CairnException.Reason.CONFIGURATION) {
                throw new CliException(ExitCode.NOT_FOUND, jobDir + " cannot be a cairn job directory: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** The job directory that {@code --dir} and {@code --job} name; see the class comment. */
    Path resolve() {
        Path given = dir.toAbsolutePath().normalize();
        if (!Files.exists(given)) {
            throw new CliException(ExitCode.NOT_FOUND, "directory " + given + " does not exist; pass --dir the job"
                    + " directory (<root>/<job>, holding EPOCH, IDS and chk-* directories) or its checkpoint root");
        }
        if (!Files.isDirectory(given)) {
            throw new CliException(ExitCode.NOT_FOUND, given + " is not a directory; pass --dir the job directory"
                    + " (<root>/<job>) or its checkpoint root");
        }
        if (job != null) {
            Path candidate = given.resolve(job).normalize();
            if (candidate.getParent() != null && candidate.getParent().equals(given) && isJobDirectory(candidate)) {
                return candidate;
            }
            if (given.getFileName() != null && given.getFileName().toString().equals(job) && isJobDirectory(given)) {
                return given;
            }
            List<String> jobs = jobsIn(given);
            throw new CliException(ExitCode.NOT_FOUND, "no job '" + job + "' in " + given
                    + (jobs.isEmpty() ? " (it holds no cairn job)" : " (jobs there: " + String.join(", ", jobs) + ")"));
        }
        if (isJobDirectory(given)) {
            return given;
        }
        List<String> jobs = jobsIn(given);
        if (jobs.size() == 1) {
            return given.resolve(jobs.get(0));
        }
        if (jobs.isEmpty()) {
            throw new CliException(ExitCode.NOT_FOUND, given + " holds no cairn checkpoints: it is neither a job"
                    + " directory (with EPOCH, IDS or chk-<id> directories) nor a checkpoint root holding one;"
                    + " check the path given to --dir");
        }
        throw new CliException(ExitCode.USAGE, given + " is a checkpoint root holding " + jobs.size() + " jobs ("
                + String.join(", ", jobs) + "); choose one with --job JOB, or pass --dir " + given.resolve(jobs.get(0)));
    }

    /** A directory that holds a job record or a checkpoint directory. */
    static boolean isJobDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        for (String record : JOB_RECORDS) {
            if (Files.isRegularFile(dir.resolve(record))) {
                return true;
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(p -> CHECKPOINT_DIR.matcher(p.getFileName().toString()).matches()
                    && Files.isDirectory(p));
        } catch (IOException e) {
            throw new CliException(ExitCode.NOT_FOUND, "cannot read directory " + dir + ": " + e
                    + "; check that this user may read it", e);
        }
    }

    /** Names of the job directories directly in {@code root}, sorted. */
    static List<String> jobsIn(Path root) {
        List<String> jobs = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(JobOptions::isJobDirectory).forEach(p -> jobs.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new CliException(ExitCode.NOT_FOUND, "cannot read directory " + root + ": " + e
                    + "; check that this user may read it", e);
        }
        jobs.sort(null);
        return jobs;
    }
}
