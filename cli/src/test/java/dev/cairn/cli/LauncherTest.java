package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ./cairn} launcher at the repository root, run as a subprocess from another directory.
 * The build of {@code verify} has already compiled the cli and written its classpath (at
 * process-classes), so the launcher runs without building; CAIRN_NO_BUILD makes it fail instead of
 * starting a Maven build inside this one, should it ever think it needs one.
 */
class LauncherTest {

    /** Surefire runs in the module directory: the launcher is one level up. */
    private static final Path LAUNCHER = Path.of("").toAbsolutePath().getParent().resolve("cairn");

    @TempDir
    Path tmp;

    private record Result(int exitCode, String out, String err) {
    }

    private Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = tmp.resolve("launcher.out");
        Path err = tmp.resolve("launcher.err");
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(elsewhere.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("CAIRN_NO_BUILD", "1");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void runsFromAnyDirectoryPassingArgumentsAndExitCodes() throws Exception {
        assertThat(LAUNCHER).isExecutable();
        JobFixture f = JobFixture.standard(tmp.resolve("checkpoints"));

        Result list = run("checkpoints", "list", "--dir", "../checkpoints/bank", "--json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.err()).isEmpty();
        JsonNode o = new ObjectMapper().readTree(list.out());
        assertThat(o.get("jobDirectory").asText()).isEqualTo(f.jobDir.toRealPath().toString());
        assertThat(o.get("checkpoints")).hasSize(5);

        f.flipByte(f.stateFile(4, "source"));
        Result verify = run("checkpoints", "verify", "--dir", f.jobDir.toString(), "--id", "4");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCode.CHECKPOINT_PROBLEM);
        assertThat(verify.err().lines()).singleElement().asString().startsWith("cairn: verify found 1 damaged")
                .contains(f.jobDir.resolve(f.stateFile(4, "source")).toString());

        Result missing = run("checkpoints", "list", "--dir", "no/such/dir");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(missing.err().lines()).singleElement().asString().startsWith("cairn: directory ");
    }
}
