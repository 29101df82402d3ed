package dev.cairn.cli.checkpoints;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.cli.Cairn;
import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.cli.Format;
import dev.cairn.cli.JobOptions;
import dev.cairn.cli.JobStorage;
import dev.cairn.cli.TextTable;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code cairn checkpoints verify}: reads every file of every checkpoint (or of one) and checks its
 * size and CRC32C, collecting every fault rather than stopping at the first. Checkpoints on an
 * abandoned branch are checked too (the storage's own listing stops at "abandoned"). Reading the
 * job's EPOCH and RESTORES records checks their checksums as well.
 *
 * <p>Exit 0 when everything checked is intact; 1 with a one-line reason on stderr when a checkpoint
 * is damaged, or written by a newer cairn so that this build cannot check it. A checkpoint that never
 * committed (INCOMPLETE) does not exist and is not a fault.
 */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        versionProvider = Cairn.VersionProvider.class,
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        description = {"Deep-check every checkpoint of a job (or one, with --id): every referenced file "
                + "must exist with its recorded size and CRC32C.",
                "Exits 1 with the reason when a checkpoint is damaged or cannot be checked by this build."})
public final class VerifyCommand implements Callable<Integer> {

    /** The outcome for one checkpoint. */
    enum Result {
        /** Every file intact. */
        OK,
        /** A file or the manifest is damaged or missing. */
        DAMAGED,
        /** Written by a newer cairn: this build cannot read its manifest. */
        UNVERIFIABLE,
        /** No manifest: the checkpoint never committed, so there is nothing to check. */
        SKIPPED
    }

    private record Outcome(CheckpointListing listing, Result result, List<String> problems, int files, long bytes) {
    }

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--id", paramLabel = "ID", description = "Verify only this checkpoint.")
    Long id;

    @Option(names = "--json", description = "Print JSON (shape in cli/README.md) instead of text.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (JobStorage js = job.open()) {
            Listings.Epoch epoch = Listings.Epoch.of(js);
            List<CheckpointListing> listings = js.storage().list(false);
            if (id != null) {
                listings = listings.stream().filter(l -> l.checkpointId() == id).collect(Collectors.toList());
                if (listings.isEmpty()) {
                    throw new CliException(ExitCode.NOT_FOUND, "job '" + js.jobId() + "' in " + js.jobDir()
                            + " has no checkpoint " + id + "; see 'cairn checkpoints list --dir " + js.jobDir() + "'");
                }
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (CheckpointListing l : listings) {
                outcomes.add(verify(js, l));
            }
            Long restorable = null;
            for (Outcome o : outcomes) {
                if (o.listing().status() == CheckpointStatus.COMPLETE && o.result() == Result.OK) {
                    restorable = o.listing().checkpointId();
                    break;
                }
            }
            List<String> jobProblems = new ArrayList<>();
            if (epoch.error() != null) {
                jobProblems.add(epoch.error());
            }
            if (json) {
                out.println(Format.json(toJson(js, epoch, outcomes, restorable, jobProblems)));
            } else {
                printText(out, js, epoch, outcomes, restorable, jobProblems);
            }
            out.flush();
            return failIfDamaged(js, outcomes, jobProblems);
        }
    }

    private static Outcome verify(JobStorage js, CheckpointListing l) {
        switch (l.status()) {
            case INCOMPLETE:
                return new Outcome(l, Result.SKIPPED, List.of(), 0, 0);
            case NEWER_FORMAT:
                return new Outcome(l, Result.UNVERIFIABLE, List.of(l.reason() + "; upgrade cairn to verify it"), 0, 0);
            default:
                if (l.manifest() == null) {
                    return new Outcome(l, Result.DAMAGED, List.of(l.reason()), 0, 0);
                }
                Listings.FileCheck check = Listings.checkFiles(js, l.manifest(), true);
                return new Outcome(l, check.problems().isEmpty() ? Result.OK : Result.DAMAGED, check.problems(),
                        check.files(), check.bytes());
        }
    }

    private int failIfDamaged(JobStorage js, List<Outcome> outcomes, List<String> jobProblems) {
        List<String> faults = new ArrayList<>();
        int bad = 0;
        for (Outcome o : outcomes) {
            if (!o.problems().isEmpty()) {
                bad++;
                faults.add("checkpoint " + o.listing().checkpointId() + ": " + o.problems().get(0)
                        + (o.problems().size() > 1 ? " (and " + (o.problems().size() - 1) + " more)" : ""));
            }
        }
        faults.addAll(jobProblems);
        if (faults.isEmpty()) {
            return ExitCode.OK;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("cairn: verify found " + (bad == 0 ? "" : bad + " damaged or unverifiable checkpoint"
                + (bad == 1 ? "" : "s") + (jobProblems.isEmpty() ? "" : " and ")) + (jobProblems.isEmpty() ? ""
                : "a damaged job record") + " in job '" + js.jobId() + "': " + String.join("; ", faults));
        err.flush();
        return ExitCode.CHECKPOINT_PROBLEM;
    }

    private static ObjectNode toJson(JobStorage js, Listings.Epoch epoch, List<Outcome> outcomes, Long restorable,
                                     List<String> jobProblems) {
        ObjectNode o = Format.object();
        o.put("job", js.jobId());
        o.put("jobDirectory", js.jobDir().toString());
        epoch.putJson(o);
        boolean ok = jobProblems.isEmpty() && outcomes.stream().allMatch(x -> x.problems().isEmpty());
        o.put("ok", ok);
        o.put("restorable", restorable);
        o.put("filesChecked", outcomes.stream().mapToInt(Outcome::files).sum());
        o.put("bytesChecked", outcomes.stream().mapToLong(Outcome::bytes).sum());
        ArrayNode jp = o.putArray("jobProblems");
        jobProblems.forEach(jp::add);
        ArrayNode all = o.putArray("checkpoints");
        for (Outcome x : outcomes) {
            ObjectNode c = all.addObject();
            c.put("id", x.listing().checkpointId());
            c.put("status", x.listing().status().name());
            c.put("result", x.result().name());
            c.put("files", x.files());
            c.put("bytes", x.bytes());
            ArrayNode problems = c.putArray("problems");
            x.problems().forEach(problems::add);
        }
        return o;
    }

    private static void printText(PrintWriter out, JobStorage js, Listings.Epoch epoch, List<Outcome> outcomes,
                                  Long restorable, List<String> jobProblems) {
        int files = outcomes.stream().mapToInt(Outcome::files).sum();
        long bytes = outcomes.stream().mapToLong(Outcome::bytes).sum();
        if (outcomes.isEmpty()) {
            out.println("job '" + js.jobId() + "' in " + js.jobDir() + " has no checkpoints to verify ("
                    + epoch.describe() + ")");
        } else {
            out.println("job '" + js.jobId() + "' in " + js.jobDir() + ": checked " + files + " files ("
                    + Format.bytes(bytes) + ") of " + outcomes.size() + " checkpoint" + (outcomes.size() == 1 ? "" : "s")
                    + ", " + epoch.describe());
            TextTable t = new TextTable("ID>", "STATUS", "RESULT", "FILES>", "SIZE>");
            for (Outcome o : outcomes) {
                t.row(o.listing().checkpointId(), o.listing().status(), o.result(), o.files(), Format.bytes(o.bytes()));
                if (!o.problems().isEmpty()) {
                    t.note(String.join("\n    ", o.problems()));
                } else if (o.result() == Result.SKIPPED) {
                    t.note("never committed: not a checkpoint, nothing to check");
                } else if (o.listing().status() == CheckpointStatus.ABANDONED) {
                    t.note("intact, but on an abandoned branch: it is never restored");
                }
            }
            t.print(out, "");
        }
        for (String p : jobProblems) {
            out.println("job record damaged: " + p);
        }
        out.println("restorable: " + (restorable == null ? "none" : "checkpoint " + restorable));
    }
}
