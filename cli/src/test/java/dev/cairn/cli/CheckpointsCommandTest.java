package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The checkpoints commands run in-process on real job directories written by the core storage. */
class CheckpointsCommandTest {

    @TempDir
    Path tmp;

    private static List<String> ids(JsonNode checkpoints, String field) {
        List<String> out = new ArrayList<>();
        checkpoints.forEach(c -> out.add(c.get("id").asText() + ":" + c.get(field).asText()));
        return out;
    }

    @Test
    void listShowsEveryCheckpointNewestFirstWithItsStatus() {
        JobFixture f = JobFixture.standard(tmp);
        Run text = Run.of("checkpoints", "list", "--dir", f.jobDir.toString());
        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("5 checkpoints, current epoch 2, restorable: checkpoint 4");
        assertThat(text.out().lines().filter(l -> l.matches("\\s*\\d+\\s+[A-Z_]+\\b.*")).map(l -> l.trim().split("\\s+")[1]))
                .containsExactly("INCOMPLETE", "COMPLETE", "COMPLETE", "ABANDONED", "COMPLETE");
        assertThat(text.out()).contains("why: manifest").contains("abandoned when epoch 2 restored checkpoint 1");

        Run json = Run.of("checkpoints", "list", "--dir", f.jobDir.toString(), "--json");
        JsonNode o = json.json();
        assertThat(o.get("job").asText()).isEqualTo("bank");
        assertThat(o.get("jobDirectory").asText()).isEqualTo(f.jobDir.toAbsolutePath().toString());
        assertThat(o.get("currentEpoch").asInt()).isEqualTo(2);
        assertThat(o.get("deep").asBoolean()).isFalse();
        assertThat(o.get("restorable").asLong()).isEqualTo(4);
        assertThat(ids(o.get("checkpoints"), "status"))
                .containsExactly("5:INCOMPLETE", "4:COMPLETE", "3:COMPLETE", "2:ABANDONED", "1:COMPLETE");
        JsonNode four = o.get("checkpoints").get(1);
        Manifest m4 = f.manifests.get(4L);
        assertThat(four.get("epoch").asInt()).isEqualTo(2);
        assertThat(four.get("reason").isNull()).isTrue();
        assertThat(four.get("createdAtMillis").asLong()).isEqualTo(m4.createdAtMillis());
        assertThat(four.get("createdAt").asText()).isEqualTo("2026-01-01T00:00:04Z");
        assertThat(four.get("inFlightMode").asText()).isEqualTo("REFERENCE");
        assertThat(four.get("sizeBytes").asLong()).isEqualTo(m4.totalBytes());
        assertThat(four.get("fileCount").asInt()).isEqualTo(m4.files().size());
        assertThat(four.get("inFlightRecords").asLong()).isZero(); // reference mode: not known at the receivers
        assertThat(o.get("checkpoints").get(2).get("inFlightRecords").asLong()).isEqualTo(JobFixture.inFlight(f.manifests.get(3L)));
        assertThat(four.get("operators")).extracting(JsonNode::asText)
                .containsExactly("account-1", "account-2", "audit", "source");
        JsonNode five = o.get("checkpoints").get(0);
        assertThat(five.get("reason").asText()).contains("never committed");
        assertThat(five.get("epoch").isNull()).isTrue();
        assertThat(five.get("operators").isNull()).isTrue();
    }

    @Test
    void listShowsACorruptCheckpointAsCorruptWithTheReason() {
        JobFixture f = JobFixture.standard(tmp);
        Path truncated = f.truncate(f.stateFile(3, "audit"));
        Path flipped = f.flipByte(f.stateFile(1, "source"));
        f.rewriteFormatVersion(4, 2);

        JsonNode shallow = Run.of("checkpoints", "list", "--dir", f.jobDir.toString(), "--json").json();
        assertThat(ids(shallow.get("checkpoints"), "status"))
                .containsExactly("5:INCOMPLETE", "4:NEWER_FORMAT", "3:CORRUPT", "2:ABANDONED", "1:COMPLETE");
        assertThat(shallow.get("checkpoints").get(2).get("reason").asText())
                .contains(truncated.toString()).contains("bytes").contains("were recorded");
        assertThat(shallow.get("checkpoints").get(1).get("reason").asText()).contains("newer cairn");
        assertThat(shallow.get("restorable").asLong()).isEqualTo(1);

        Run deep = Run.of("checkpoints", "list", "--dir", f.jobDir.toString(), "--deep");
        assertThat(deep.exitCode()).as(deep.toString()).isZero();
        assertThat(deep.out()).contains("restorable: none").contains("(checksums checked)");
        assertThat(deep.out()).containsPattern("(?m)^\\s*1\\s+CORRUPT")
                .contains("why: checkpoint file " + flipped + " checksum mismatch");
    }

    @Test
    void showGivesRecordCountsInCopyModeAndOffsetRangesInReferenceMode() {
        JobFixture f = JobFixture.standard(tmp);
        JsonNode copy = Run.of("checkpoints", "show", "3", "--dir", f.jobDir.toString(), "--json").json();
        assertThat(copy.get("status").asText()).isEqualTo("COMPLETE");
        assertThat(copy.get("inFlightMode").asText()).isEqualTo("COPY");
        JsonNode channels = copy.get("channels");
        assertThat(channels).hasSize(JobFixture.CHANNELS.size());
        for (JsonNode c : channels) {
            int i = JobFixture.CHANNELS.indexOf(c.get("channel").asText());
            int n = JobFixture.records(3, i);
            assertThat(c.get("records").asLong()).as(c.toString()).isEqualTo(n);
            assertThat(c.get("receiverPosition").asLong()).isEqualTo(300 + 10L * i);
            assertThat(c.get("senderMarkerOffset").asLong()).isEqualTo(300 + 10L * i + n);
            assertThat(c.get("file").isNull()).isEqualTo(n == 0);
        }
        JsonNode account = copy.get("operators").get(0);
        assertThat(account.get("id").asText()).isEqualTo("account-1");
        assertThat(account.get("backend").asText()).isEqualTo("rocksdb");
        assertThat(account.get("stateBytes").asLong())
                .isEqualTo(f.manifests.get(3L).operators().get("account-1").state().totalBytes());
        assertThat(account.get("states")).extracting(JsonNode::asText).containsExactly("balances");
        assertThat(account.get("positions").get("source->account-1").asLong()).isEqualTo(300);
        assertThat(copy.get("sourceOffsets").get("source").get("payments-0").asLong()).isEqualTo(3000);

        JsonNode reference = Run.of("checkpoints", "show", "4", "--dir", f.jobDir.toString(), "--json").json();
        for (JsonNode c : reference.get("channels")) {
            assertThat(c.get("mode").asText()).isEqualTo("REFERENCE");
            assertThat(c.get("records").isNull()).isTrue();
            assertThat(c.get("file").isNull()).isTrue();
        }
        Run text = Run.of("checkpoints", "show", "4", "--dir", f.jobDir.toString());
        assertThat(text.exitCode()).as(text.toString()).isZero();
        // source->account-1 is channel 0: position 400, (4 + 0) % 3 = 1 record before the marker
        assertThat(text.out()).containsPattern("source->account-1\\s+REFERENCE\\s+offsets \\[400, 401\\) on the topic");
        assertThat(Run.of("checkpoints", "show", "3", "--dir", f.jobDir.toString()).out())
                .containsPattern("source->account-1\\s+COPY\\s+0 records, 0 B  offsets \\[300, 300\\)")
                .containsPattern("source->account-2\\s+COPY\\s+1 record, 7 B in chk-3/channels/source--account-2");

        Run abandoned = Run.of("checkpoints", "show", "2", "--dir", f.jobDir.toString());
        assertThat(abandoned.out()).contains("status     ABANDONED").contains("abandoned when epoch 2 restored checkpoint 1");
    }

    @Test
    void showOfACheckpointThatDoesNotExistSaysWhichDo() {
        JobFixture f = JobFixture.standard(tmp);
        Run run = Run.of("checkpoints", "show", "9", "--dir", f.jobDir.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("checkpoint 9").contains("checkpoint directories there: 5, 4, 3, 2, 1");
    }

    @Test
    void verifyPassesWhenEveryChecksumMatches() {
        JobFixture f = JobFixture.standard(tmp);
        Run run = Run.of("checkpoints", "verify", "--dir", f.jobDir.toString(), "--json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode o = run.json();
        assertThat(o.get("ok").asBoolean()).isTrue();
        assertThat(o.get("restorable").asLong()).isEqualTo(4);
        int files = f.manifests.values().stream().mapToInt(m -> m.files().size()).sum();
        assertThat(o.get("filesChecked").asInt()).isEqualTo(files);
        assertThat(ids(o.get("checkpoints"), "result")).containsExactly("5:SKIPPED", "4:OK", "3:OK", "2:OK", "1:OK");
        assertThat(run.err()).doesNotContain("cairn:");
    }

    @Test
    void verifyDetectsAFlippedByteAndNamesTheFile() {
        JobFixture f = JobFixture.standard(tmp);
        Path damaged = f.flipByte(f.stateFile(3, "account-1"));
        Path inAbandoned = f.flipByte(f.stateFile(2, "audit"));

        Run run = Run.of("checkpoints", "verify", "--dir", f.jobDir.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.CHECKPOINT_PROBLEM);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("2 damaged or unverifiable checkpoints")
                .contains("checkpoint 3: checkpoint file " + damaged + " checksum mismatch")
                .contains(inAbandoned.toString());
        assertThat(run.out()).containsPattern("(?m)^\\s*3\\s+COMPLETE\\s+DAMAGED")
                .containsPattern("(?m)^\\s*2\\s+ABANDONED\\s+DAMAGED")
                .contains("restorable: checkpoint 4");

        JsonNode json = Run.of("checkpoints", "verify", "--dir", f.jobDir.toString(), "--json").json();
        assertThat(json.get("ok").asBoolean()).isFalse();
        assertThat(json.get("checkpoints").get(2).get("problems").get(0).asText()).contains(damaged.toString());

        Run one = Run.of("checkpoints", "verify", "--dir", f.jobDir.toString(), "--id", "4");
        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(Run.of("checkpoints", "verify", "--dir", f.jobDir.toString(), "--id", "3").exitCode())
                .isEqualTo(ExitCode.CHECKPOINT_PROBLEM);
        assertThat(Run.of("checkpoints", "verify", "--dir", f.jobDir.toString(), "--id", "42").exitCode())
                .isEqualTo(ExitCode.NOT_FOUND);
    }

    @Test
    void aDamagedRestoreHistoryIsACheckpointProblemNamingTheFile() {
        JobFixture f = JobFixture.standard(tmp);
        f.flipByte("RESTORES");
        Run run = Run.of("checkpoints", "list", "--dir", f.jobDir.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.CHECKPOINT_PROBLEM);
        assertThat(run.errorLines()).singleElement().asString().contains(f.jobDir.resolve("RESTORES").toString());
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void aMissingOrForeignDirectoryIsAOneLineErrorAndIsNotCreated() throws IOException {
        Path missing = tmp.resolve("no-such-dir");
        for (String[] args : List.of(
                new String[] {"checkpoints", "list", "--dir", missing.toString()},
                new String[] {"checkpoints", "show", "1", "--dir", missing.toString()},
                new String[] {"checkpoints", "verify", "--dir", missing.toString()},
                new String[] {"report", "--dir", missing.toString(), "--out", tmp.resolve("r.html").toString()})) {
            Run run = Run.of(args);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.NOT_FOUND);
            assertThat(run.err().lines()).as(run.toString()).singleElement().asString()
                    .isEqualTo("cairn: directory " + missing + " does not exist; pass --dir the job directory"
                            + " (<root>/<job>, holding EPOCH, IDS and chk-* directories) or its checkpoint root");
        }
        assertThat(missing).doesNotExist();
        assertThat(tmp.resolve("r.html")).doesNotExist();

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Run run = Run.of("checkpoints", "list", "--dir", empty.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(run.err().lines()).singleElement().asString().contains("holds no cairn checkpoints");
        try (Stream<Path> s = Files.list(empty)) {
            assertThat(s).isEmpty();
        }

        Run verbose = Run.of("checkpoints", "list", "--dir", missing.toString(), "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(verbose.err()).contains("does not exist").contains("\tat dev.cairn.cli.JobOptions.resolve");
    }

    @Test
    void aJobWithoutCheckpointsGetsAOneLineAnswer() {
        JobFixture.withoutCheckpoints(tmp, "fresh");
        Run list = Run.of("checkpoints", "list", "--dir", tmp.resolve("fresh").toString());
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out().lines()).singleElement().asString()
                .isEqualTo("job 'fresh' in " + tmp.resolve("fresh") + " has no checkpoints yet (current epoch 1)");
        Run verify = Run.of("checkpoints", "verify", "--dir", tmp.resolve("fresh").toString());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("has no checkpoints to verify");
    }

    @Test
    void aCheckpointRootIsAcceptedWithOneJobAndNeedsJobWithSeveral() {
        JobFixture.standard(tmp);
        Run one = Run.of("checkpoints", "list", "--dir", tmp.toString(), "--json");
        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(one.json().get("job").asText()).isEqualTo("bank");

        JobFixture.withoutCheckpoints(tmp, "wordcount");
        Run two = Run.of("checkpoints", "list", "--dir", tmp.toString());
        assertThat(two.exitCode()).as(two.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(two.err().lines()).singleElement().asString()
                .contains("holding 2 jobs (bank, wordcount)").contains("--job JOB");
        assertThat(Run.of("checkpoints", "list", "--dir", tmp.toString(), "--job", "wordcount").exitCode()).isZero();
        Run unknown = Run.of("checkpoints", "list", "--dir", tmp.toString(), "--job", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(unknown.err()).contains("no job 'nope'").contains("jobs there: bank, wordcount");
    }

    @Test
    void inspectingChangesNothingInTheJobDirectory() throws IOException {
        JobFixture f = JobFixture.standard(tmp);
        Files.setPosixFilePermissions(f.jobDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        TreeMap<String, String> before = tree(f.jobDir);
        assertThat(Run.of("checkpoints", "list", "--dir", f.jobDir.toString(), "--deep").exitCode()).isZero();
        assertThat(Run.of("checkpoints", "show", "3", "--dir", f.jobDir.toString()).exitCode()).isZero();
        assertThat(Run.of("checkpoints", "verify", "--dir", f.jobDir.toString()).exitCode()).isZero();
        assertThat(Run.of("report", "--dir", f.jobDir.toString(), "--out", tmp.resolve("r.html").toString()).exitCode())
                .isZero();
        assertThat(tree(f.jobDir)).isEqualTo(before);
    }

    /** Every path under {@code dir} with its size, modification time and permissions. */
    private static TreeMap<String, String> tree(Path dir) throws IOException {
        TreeMap<String, String> t = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                t.put(dir.relativize(p).toString(), Files.size(p) + " " + Files.getLastModifiedTime(p) + " "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return t;
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2AndHelpIsEverywhere() {
        Run bogus = Run.of("checkpoints", "list", "--dir", tmp.toString(), "--bogus");
        assertThat(bogus.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(bogus.err().lines()).singleElement().asString()
                .contains("--bogus").contains("see 'cairn checkpoints list --help'");
        assertThat(Run.of("checkpoints", "show", "--dir", tmp.toString()).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(Run.of("checkpoints").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(Run.of().exitCode()).isEqualTo(ExitCode.USAGE);

        for (String[] args : List.of(new String[] {"--help"}, new String[] {"checkpoints", "--help"},
                new String[] {"checkpoints", "list", "--help"}, new String[] {"checkpoints", "show", "--help"},
                new String[] {"checkpoints", "verify", "--help"}, new String[] {"report", "--help"},
                new String[] {"help", "report"})) {
            Run help = Run.of(args);
            assertThat(help.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(help.out()).as(String.join(" ", args)).contains("Usage: cairn").contains("Exit codes:")
                    .contains("--help");
        }
        Run version = Run.of("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("cairn 0.").contains("manifest format up to 1");
    }
}
