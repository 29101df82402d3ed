package dev.cairn.kafka;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** A test job part running as its own OS process, with its output in a file. */
final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildProcess start(Path dir, String name, List<String> args, String... jvmArgs) throws IOException {
        ChildProcess child = launch(dir, name, args, jvmArgs);
        await().atMost(Duration.ofSeconds(60)).until(() -> child.output().contains("cairn-test started") || !child.isAlive());
        if (!child.isAlive()) {
            throw new IllegalStateException(name + " died at start:\n" + child.output());
        }
        return child;
    }

    /** Starts the process without waiting for it to run (it may exit at once, e.g. at a crash point). */
    static ChildProcess launch(Path dir, String name, List<String> args, String... jvmArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TestJobMain.class.getName());
        cmd.addAll(args);
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildProcess(p, log);
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("child " + log.getFileName() + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
        }
    }

    static String path(File f) {
        return f.getAbsolutePath();
    }
}
