package dev.cairn.torture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A node process of a torture run, with its output in a log file. */
final class Child {
    final String slot;
    final Process process;
    final Path log;
    final String crashPoint;

    private Child(String slot, Process process, Path log, String crashPoint) {
        this.slot = slot;
        this.process = process;
        this.log = log;
        this.crashPoint = crashPoint;
    }

    static Child start(String slot, List<String> args, Path logDir, int serial, String crashPoint) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        if (crashPoint != null) {
            cmd.add("-Dcairn.crash.at=" + crashPoint);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NodeMain.class.getName());
        cmd.addAll(args);
        Files.createDirectories(logDir);
        Path log = logDir.resolve(slot + "-" + serial + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Child(slot, p, log, crashPoint);
    }

    boolean alive() {
        return process.isAlive();
    }

    int exitCode() {
        return process.exitValue();
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
    }

    boolean waitFor(Duration d) throws InterruptedException {
        return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
