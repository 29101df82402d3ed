package dev.cairn.cli.checkpoints;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.cli.Cairn;
import dev.cairn.cli.ChannelView;
import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.cli.Format;
import dev.cairn.cli.JobOptions;
import dev.cairn.cli.JobStorage;
import dev.cairn.cli.TextTable;
import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.RestoreEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code cairn checkpoints show ID}: one checkpoint in detail — operators and their state, input
 * positions and marker offsets, the channel state of every channel (record counts in copy mode,
 * offset ranges {@code [receiver position, sender marker offset)} in reference mode), source offsets.
 * Files are checked for presence and size, as {@code list} does.
 */
@Command(name = "show",
        mixinStandardHelpOptions = true,
        versionProvider = Cairn.VersionProvider.class,
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        description = {"Show one checkpoint: status, operators with their state size, input positions, "
                + "marker offsets, the channel state of every channel (record counts in copy mode, "
                + "offset ranges [receiver position, sender marker offset) in reference mode) and source offsets."})
public final class ShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Parameters(index = "0", paramLabel = "ID", description = "The checkpoint id (see 'cairn checkpoints list').")
    long id;

    @Option(names = "--json", description = "Print JSON (shape in cli/README.md) instead of text.")
    boolean json;

    @Override
    public Integer call() {
        if (id < 1) {
            throw new CliException(ExitCode.USAGE, "checkpoint id must be >= 1, was " + id);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (JobStorage js = job.open()) {
            Manifest m = read(js);
            Listings.FileCheck files = Listings.checkFiles(js, m, false);
            RestoreEntry abandonedBy = Listings.abandonedBy(js, m);
            CheckpointStatus status = !files.problems().isEmpty() ? CheckpointStatus.CORRUPT
                    : abandonedBy != null ? CheckpointStatus.ABANDONED : CheckpointStatus.COMPLETE;
            List<String> notes = new java.util.ArrayList<>(files.problems());
            if (abandonedBy != null) {
                notes.add("taken in epoch " + m.epoch() + ", on a branch abandoned when epoch " + abandonedBy.epoch()
                        + " restored " + (abandonedBy.checkpointId() == 0 ? "nothing (fresh start)"
                        : "checkpoint " + abandonedBy.checkpointId()));
            }
            if (json) {
                out.println(Format.json(toJson(js, m, status, notes)));
            } else {
                printText(out, js, m, status, notes);
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    private Manifest read(JobStorage js) {
        try {
            return js.storage().readManifest(id);
        } catch (CairnException e) {
            if (e.reason() != CairnException.Reason.NO_VALID_CHECKPOINT) {
                throw e;
            }
            List<Long> ids = Listings.checkpointDirectories(js);
            String there = ids.isEmpty() ? "the job has no checkpoint directories"
                    : "checkpoint directories there: " + ids.stream().map(String::valueOf).collect(Collectors.joining(", "));
            throw new CliException(ExitCode.NOT_FOUND, e.getMessage() + " (" + there + "; see 'cairn checkpoints list')", e);
        }
    }

    private static ObjectNode toJson(JobStorage js, Manifest m, CheckpointStatus status, List<String> notes) {
        ObjectNode o = Format.object();
        o.put("job", js.jobId());
        o.put("jobDirectory", js.jobDir().toString());
        o.put("id", m.checkpointId());
        o.put("status", status.name());
        ArrayNode problems = o.putArray("notes");
        notes.forEach(problems::add);
        o.put("formatVersion", m.formatVersion());
        o.put("epoch", m.epoch());
        o.put("createdAtMillis", m.createdAtMillis());
        o.put("createdAt", Format.isoTime(m.createdAtMillis()));
        o.put("inFlightMode", m.inFlightMode().name());
        o.put("sizeBytes", m.totalBytes());
        o.put("fileCount", m.files().size());
        o.put("inFlightRecords", Listings.inFlightRecords(m));
        ArrayNode ops = o.putArray("operators");
        for (String opId : m.topology().operators()) {
            LocalSnapshot s = m.operators().get(opId);
            ObjectNode op = ops.addObject();
            op.put("id", opId);
            if (s == null) {
                op.putNull("epoch");
                continue;
            }
            op.put("epoch", s.epoch());
            op.put("inFlightMode", s.inFlightMode().name());
            op.put("backend", s.state().backend());
            op.put("stateBytes", s.state().totalBytes());
            op.put("stateFiles", s.state().files().size());
            ArrayNode states = op.putArray("states");
            m.topology().stateLayout().getOrDefault(opId, List.of()).forEach(states::add);
            ObjectNode positions = op.putObject("positions");
            s.inputs().forEach((c, in) -> positions.put(c, in.position()));
            ObjectNode markers = op.putObject("markerOffsets");
            s.outputs().forEach(markers::put);
            ObjectNode sources = op.putObject("sourceOffsets");
            s.sourceOffsets().forEach(sources::put);
        }
        ArrayNode channels = o.putArray("channels");
        ChannelView.of(m).forEach(c -> channels.add(c.toJson()));
        ObjectNode sources = o.putObject("sourceOffsets");
        for (LocalSnapshot s : m.operators().values()) {
            if (!s.sourceOffsets().isEmpty()) {
                ObjectNode src = sources.putObject(s.operatorId());
                s.sourceOffsets().forEach(src::put);
            }
        }
        return o;
    }

    private static void printText(PrintWriter out, JobStorage js, Manifest m, CheckpointStatus status, List<String> notes) {
        out.println("checkpoint " + m.checkpointId() + " of job '" + js.jobId() + "' in " + js.jobDir());
        out.println("  status     " + status);
        for (String n : notes) {
            out.println("             " + n);
        }
        out.println("  epoch      " + m.epoch());
        out.println("  taken      " + Format.time(m.createdAtMillis()));
        Long records = Listings.inFlightRecords(m);
        out.println("  in flight  " + m.inFlightMode() + (records == null
                ? ": offset ranges on the channels' topics, records not counted"
                : ", " + ChannelView.records(records) + " captured"));
        out.println("  size       " + Format.bytes(m.totalBytes()) + " in " + m.files().size() + " files");

        out.println();
        out.println("operators (" + m.topology().operators().size() + "):");
        TextTable ops = new TextTable("OPERATOR", "EPOCH>", "BACKEND", "FILES>", "STATE SIZE>", "STATES");
        for (String opId : m.topology().operators()) {
            LocalSnapshot s = m.operators().get(opId);
            if (s == null) {
                ops.row(opId, null, "(no local snapshot)");
            } else {
                ops.row(opId, s.epoch(), s.state().backend(), s.state().files().size(),
                        Format.bytes(s.state().totalBytes()),
                        String.join(", ", m.topology().stateLayout().getOrDefault(opId, List.of())));
            }
        }
        ops.print(out, "  ");

        TextTable positions = new TextTable("OPERATOR", "INPUT CHANNEL", "POSITION>");
        TextTable markers = new TextTable("OPERATOR", "OUTPUT CHANNEL", "MARKER OFFSET>");
        TextTable sources = new TextTable("OPERATOR", "EXTERNAL INPUT", "NEXT OFFSET>");
        int p = 0;
        int k = 0;
        int q = 0;
        for (LocalSnapshot s : m.operators().values()) {
            for (Map.Entry<String, InputSnapshot> e : s.inputs().entrySet()) {
                positions.row(s.operatorId(), e.getKey(), e.getValue().position());
                p++;
            }
            for (Map.Entry<String, Long> e : s.outputs().entrySet()) {
                markers.row(s.operatorId(), e.getKey(), e.getValue());
                k++;
            }
            for (Map.Entry<String, Long> e : s.sourceOffsets().entrySet()) {
                sources.row(s.operatorId(), e.getKey(), e.getValue());
                q++;
            }
        }
        if (p > 0) {
            out.println();
            out.println("positions (next offset not processed when the operator recorded):");
            positions.print(out, "  ");
        }
        if (k > 0) {
            out.println();
            out.println("marker offsets (where marker " + m.checkpointId() + " was written):");
            markers.print(out, "  ");
        }
        List<ChannelView> channels = ChannelView.of(m);
        if (!channels.isEmpty()) {
            out.println();
            out.println("channel state (in flight: [receiver position, sender marker offset)):");
            TextTable cs = new TextTable("CHANNEL", "MODE", "IN FLIGHT");
            for (ChannelView c : channels) {
                cs.row(c.channel(), c.mode(), c.describe());
            }
            cs.print(out, "  ");
        }
        if (q > 0) {
            out.println();
            out.println("source offsets (next offset to read at restore):");
            sources.print(out, "  ");
        }
    }
}
