package dev.cairn.cli.report;

import dev.cairn.cli.Cairn;
import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.cli.JobOptions;
import dev.cairn.cli.JobStorage;
import dev.cairn.cli.checkpoints.Listings;
import dev.cairn.core.storage.CheckpointHistoryEntry;
import dev.cairn.core.storage.CheckpointListing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cairn report}: writes the {@link HtmlReport} of a job to a file. The checkpoints are read
 * read-only, as by {@code list}; only {@code --out} is written, through a temporary file in the same
 * directory renamed over it, so a reader never sees half a page.
 */
@Command(name = "report",
        mixinStandardHelpOptions = true,
        versionProvider = Cairn.VersionProvider.class,
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        description = {"Write one self-contained HTML page (no script, nothing fetched from the network) with "
                + "the checkpoint history of a job — duration, size and in-flight records over time — and its "
                + "topology with the records in flight per channel in the newest restorable checkpoint."})
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The HTML file to write (replaced if it exists).")
    Path out;

    @Override
    public Integer call() {
        Path target = out.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new CliException(ExitCode.USAGE, "--out " + target + " is a directory; give a file name, e.g. "
                    + target.resolve("report.html"));
        }
        String html;
        int checkpoints;
        int history;
        String jobId;
        try (JobStorage js = job.open()) {
            List<CheckpointListing> listings = js.storage().list(false);
            List<CheckpointHistoryEntry> entries = js.storage().history();
            html = HtmlReport.render(new HtmlReport.Input(js.jobId(), js.jobDir(), Listings.Epoch.of(js), listings,
                    entries, System.currentTimeMillis()));
            checkpoints = listings.size();
            history = entries.size();
            jobId = js.jobId();
        }
        write(target, html);
        spec.commandLine().getOut().println("wrote the report of job '" + jobId + "' (" + checkpoints + " checkpoints, "
                + history + " history entries) to " + target);
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    private static void write(Path target, String html) {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new CliException(ExitCode.NOT_FOUND, "cannot write " + target + ": directory " + dir
                    + " does not exist; create it or choose another --out");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new CliException(ExitCode.NOT_FOUND, "cannot write " + target + ": " + e
                    + "; check that the directory is writable or choose another --out", e);
        }
    }
}
