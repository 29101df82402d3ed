package dev.cairn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cairn demo wordcount}: input it cannot count is refused with one line, before anything is loaded. */
class WordCountDemoInputTest {
    @TempDir
    Path tmp;

    @Test
    void namesTheFirstLineThatIsNotUtf8AndLoadsNothing() throws IOException {
        Path input = tmp.resolve("input.txt");
        byte[] good = "one two\r\nthree\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] bad = {'f', 'o', (byte) 0xC3, 'x', '\n'}; // 0xC3 starts a 2-byte sequence that 'x' does not continue
        Files.write(input, concat(good, bad, "last".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Path data = tmp.resolve("data");

        Run r = Run.of("demo", "wordcount", "--input", input.toString(), "--data-dir", data.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errorLines()).singleElement().asString()
                .contains(input.toString()).contains("line 3:").contains("not valid UTF-8").contains("nothing was loaded");
        assertThat(data.resolve("kafka")).as("no broker was started for input that cannot be loaded").doesNotExist();
    }

    @Test
    void aMissingInputOrOutputIsOneLine() {
        Path data = tmp.resolve("data");
        Run missing = Run.of("demo", "wordcount", "--input", tmp.resolve("nope.txt").toString(), "--data-dir", data.toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(missing.errorLines()).singleElement().asString().contains("nope.txt").contains("does not exist");

        Run dump = Run.of("demo", "wordcount", "--dump-output", "--data-dir", data.toString());
        assertThat(dump.exitCode()).as(dump.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(dump.errorLines()).singleElement().asString().contains("no word count output in").contains(data.toString());
        assertThat(dump.out()).as("nothing but output on stdout").isEmpty();

        Run both = Run.of("demo", "wordcount", "--dump-output", "--input", "x", "--data-dir", data.toString());
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(ExitCode.USAGE);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
