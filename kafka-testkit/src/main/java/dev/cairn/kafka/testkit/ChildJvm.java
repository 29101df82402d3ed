package dev.cairn.kafka.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A JVM child process running a main class on this JVM's classpath. Its stdout and stderr are copied,
 * line by line, to a log file; a caller can wait for the first line that starts with a given prefix.
 * The child's stdin stays open: a child that watches it (as {@link BrokerMain} does) exits when this
 * JVM dies, so no process is orphaned.
 */
final class ChildJvm {
    private static final int TAIL_LINES = 20;

    private final Process process;
    private final Path logFile;
    private final OutputStream stdin;
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean ended;
    private final Thread pump;

    private record Waiter(String prefix, CompletableFuture<String> line) {
    }

    private ChildJvm(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
        this.stdin = process.getOutputStream();
        this.pump = new Thread(this::pump, "cairn-child-output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static List<String> javaCommand(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** Starts {@code mainClass} with the given JVM options and arguments; output is appended to {@code logFile}. */
    static ChildJvm start(List<String> jvmOptions, String mainClass, List<String> args, Path logFile) throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(javaCommand(jvmOptions, mainClass, args))
                .redirectErrorStream(true)
                .start();
        return new ChildJvm(p, logFile);
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = in.readLine()) != null) {
                log.write(line);
                log.write('\n');
                log.flush();
                synchronized (this) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                    for (Waiter w : waiters) {
                        if (!w.line().isDone() && line.startsWith(w.prefix())) {
                            w.line().complete(line);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the child's output closed abnormally: treated as its end below
        } finally {
            synchronized (this) {
                ended = true;
                for (Waiter w : waiters) {
                    w.line().completeExceptionally(new IllegalStateException("output ended"));
                }
            }
        }
    }

    /**
     * Waits for the first line (counted from now) that starts with {@code prefix}.
     *
     * @throws IllegalStateException naming the exit code and the last lines of output if the child
     *         ends first, or the wait times out
     */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        CompletableFuture<String> line = new CompletableFuture<>();
        synchronized (this) {
            if (ended) {
                line.completeExceptionally(new IllegalStateException("output ended"));
            } else {
                waiters.add(new Waiter(prefix, line));
            }
        }
        try {
            return line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            String code;
            try {
                code = Integer.toString(process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                code = "unknown";
            }
            throw new IllegalStateException("process " + process.pid() + " exited (code " + code + ") before printing '"
                    + prefix + "'; last output:\n" + tail() + "\n(full log: " + logFile + ")");
        } catch (TimeoutException e) {
            throw new IllegalStateException("process " + process.pid() + " did not print '" + prefix + "' within "
                    + timeout.toMillis() + " ms; last output:\n" + tail() + "\n(full log: " + logFile + ")");
        } finally {
            synchronized (this) {
                waiters.removeIf(w -> w.line() == line);
            }
        }
    }

    synchronized String tail() {
        return String.join("\n", tail);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends {@code line} to the child's stdin. */
    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** SIGTERM, then waits up to {@code timeout}; SIGKILL if it has not exited by then. Returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        // signal through the ProcessHandle: Process.destroy() would also close our ends of the child's
        // pipes, losing its last output and handing it an EOF on stdin that races with the SIGTERM
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.toHandle().destroyForcibly();
            process.waitFor();
        }
        closeStdin();
        pump.join(10_000); // the last lines reach the log file before we return
        return process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone. Returns the exit code (137 on Linux). */
    int kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        int code = process.waitFor();
        closeStdin();
        pump.join(10_000);
        return code;
    }

    private void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the process is gone; its pipe may be broken already
        }
    }
}
