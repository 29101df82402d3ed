package dev.cairn.cli.checkpoints;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.cli.Cairn;
import dev.cairn.cli.ExitCode;
import dev.cairn.cli.Format;
import dev.cairn.cli.JobOptions;
import dev.cairn.cli.JobStorage;
import dev.cairn.cli.TextTable;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cairn checkpoints list}: every checkpoint directory of a job with its status, newest first.
 * Informational: exits 0 whenever the job could be read, whatever the statuses.
 */
@Command(name = "list",
        mixinStandardHelpOptions = true,
        versionProvider = Cairn.VersionProvider.class,
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        description = {"List every checkpoint of a job, newest first, with its status "
                + "(COMPLETE, INCOMPLETE, CORRUPT with why, ABANDONED, NEWER_FORMAT), id, time, epoch, size, "
                + "in-flight records and operators.",
                "Without --deep, files are checked for presence and size only."})
public final class ListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--json", description = "Print JSON (shape in cli/README.md) instead of text.")
    boolean json;

    @Option(names = "--deep", description = "Also check the CRC32C of every referenced file (reads them all).")
    boolean deep;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (JobStorage js = job.open()) {
            List<CheckpointListing> listings = js.storage().list(deep);
            Listings.Epoch epoch = Listings.Epoch.of(js);
            Long restorable = Listings.restorable(listings);
            if (json) {
                ObjectNode o = Format.object();
                o.put("job", js.jobId());
                o.put("jobDirectory", js.jobDir().toString());
                epoch.putJson(o);
                o.put("deep", deep);
                o.put("restorable", restorable);
                ArrayNode all = o.putArray("checkpoints");
                listings.forEach(l -> all.add(Listings.json(l)));
                out.println(Format.json(o));
            } else {
                printText(out, js, epoch, listings, restorable);
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    private void printText(PrintWriter out, JobStorage js, Listings.Epoch epoch, List<CheckpointListing> listings,
                           Long restorable) {
        if (listings.isEmpty()) {
            out.println("job '" + js.jobId() + "' in " + js.jobDir() + " has no checkpoints yet (" + epoch.describe() + ")");
            return;
        }
        out.println("job '" + js.jobId() + "' in " + js.jobDir() + ": " + listings.size() + " checkpoint"
                + (listings.size() == 1 ? "" : "s") + ", " + epoch.describe() + ", restorable: "
                + (restorable == null ? "none" : "checkpoint " + restorable)
                + (deep ? " (checksums checked)" : " (sizes checked; --deep also checks checksums)"));
        TextTable t = new TextTable("ID>", "STATUS", "EPOCH>", "TIME", "MODE", "SIZE>", "IN-FLIGHT>", "OPERATORS");
        for (CheckpointListing l : listings) {
            Manifest m = l.manifest();
            if (m == null) {
                t.row(l.checkpointId(), l.status());
            } else {
                t.row(l.checkpointId(), l.status(), m.epoch(), Format.time(m.createdAtMillis()), m.inFlightMode(),
                        Format.bytes(m.totalBytes()), Listings.inFlightRecords(m),
                        String.join(", ", m.topology().operators()));
            }
            if (l.status() != CheckpointStatus.COMPLETE && l.reason() != null) {
                t.note("why: " + l.reason());
            }
        }
        t.print(out, "");
    }
}
