package dev.cairn.kafka.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * A Kafka broker in its own OS process ({@link BrokerMain} on this JVM's classpath), for tests that
 * stop, kill and restart the broker.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.builder().dataDir(dir).build()) {
 *     broker.start();                 // waits until it serves
 *     String bootstrap = broker.bootstrapServers();
 *     broker.kill();                  // SIGKILL
 *     broker.start();                 // same data directory, same port
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #start()} returns when the child printed its ready line, which it does after its
 *       broker answered {@code describeCluster}; if that does not happen within the ready timeout
 *       (default 90 s) or the child exits, it throws {@link BrokerStartException} with the exit code and
 *       the child's last output, and the child is killed.</li>
 *   <li>Every start uses the same data directory and the same port, so clients' bootstrap address
 *       stays valid across restarts; the port is chosen at the first start when not given.</li>
 *   <li>{@link #stop()} sends SIGTERM: the broker shuts down cleanly. {@link #kill()} sends SIGKILL.
 *       Both wait until the process is gone.</li>
 *   <li>The child's stdout and stderr are appended to {@link #logFile()}. The child exits on its own
 *       when this JVM dies (it watches its stdin), so no broker outlives the test run.</li>
 *   <li>SASL passwords reach the child through an owner-only file in the data directory, never
 *       through the command line.</li>
 *   <li>{@link #close()} stops a running child and deletes a temporary data directory; it is
 *       idempotent.</li>
 * </ul>
 * Not thread-safe: one test thread drives it.
 */
public final class BrokerProcess implements AutoCloseable {
    static final String CONFIG_FILE = "broker-process.properties";
    static final String LOG_FILE = "broker-process.log";

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private int port;
    private final Map<String, String> brokerProperties;
    private final Map<String, String> saslUsers;
    private final boolean twoPhaseCommit;
    private final List<String> jvmOptions;
    private final Duration readyTimeout;
    private final Duration stopTimeout;

    private ChildJvm child;
    private String bootstrapServers;
    private boolean closed;

    private BrokerProcess(Builder b, Path dataDir, boolean deleteDataDirOnClose) {
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.port = b.port;
        this.brokerProperties = Map.copyOf(b.brokerProperties);
        this.saslUsers = Map.copyOf(b.saslUsers);
        this.twoPhaseCommit = b.twoPhaseCommit;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.readyTimeout = b.readyTimeout;
        this.stopTimeout = b.stopTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Launches the broker process and waits until it serves.
     *
     * @return this
     * @throws IllegalStateException if it is running already, or was closed
     * @throws BrokerStartException if it did not get ready; the child has been killed
     */
    public BrokerProcess start() {
        if (closed) {
            throw new IllegalStateException("broker process on " + dataDir + " is closed");
        }
        if (isRunning()) {
            throw new IllegalStateException("broker process " + child.pid() + " on " + dataDir + " is running already");
        }
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--exit-on-stdin-eof"));
        if (port != 0) {
            args.addAll(List.of("--port", Integer.toString(port)));
        }
        if (twoPhaseCommit) {
            args.add("--two-phase-commit");
        }
        try {
            Files.createDirectories(dataDir);
            if (!brokerProperties.isEmpty() || !saslUsers.isEmpty()) {
                args.addAll(List.of("--config", writeConfig().toString()));
            }
            child = ChildJvm.start(jvmOptions, BrokerMain.class.getName(), args, logFile());
        } catch (IOException e) {
            throw new BrokerStartException("cannot launch a broker process on data dir " + dataDir + ": " + e, e);
        }
        try {
            String ready = child.awaitLine(BrokerMain.READY_PREFIX, readyTimeout);
            bootstrapServers = ready.substring(BrokerMain.READY_PREFIX.length()).strip();
            port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
            return this;
        } catch (IllegalStateException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            killQuietly();
            throw new BrokerStartException("broker process on port " + (port == 0 ? "(free)" : port)
                    + " (data dir " + dataDir + ") did not get ready: " + e.getMessage(), e);
        }
    }

    private Path writeConfig() throws IOException {
        Properties p = new Properties();
        brokerProperties.forEach((k, v) -> p.setProperty("broker." + k, v));
        saslUsers.forEach((u, pw) -> p.setProperty("sasl.user." + u, pw));
        Path file = dataDir.resolve(CONFIG_FILE);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "written by BrokerProcess; may hold SASL passwords: owner-only");
        }
        return file;
    }

    /** SIGTERM; waits until the broker has shut down (SIGKILL after the stop timeout). Returns the exit code. */
    public int stop() {
        ChildJvm c = running("stop");
        try {
            return c.terminate(stopTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping broker process " + c.pid(), e);
        }
    }

    /** SIGKILL; waits until the process is gone. Returns the exit code (137). */
    public int kill() {
        ChildJvm c = running("kill");
        try {
            return c.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing broker process " + c.pid(), e);
        }
    }

    private ChildJvm running(String what) {
        if (!isRunning()) {
            throw new IllegalStateException("cannot " + what + ": no broker process is running on " + dataDir);
        }
        return child;
    }

    private void killQuietly() {
        try {
            child.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning() {
        return child != null && child.isAlive();
    }

    /** The PLAINTEXT bootstrap address; the same after every restart. */
    public String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("broker process on " + dataDir + " has not been started");
        }
        return bootstrapServers;
    }

    /** {@code bootstrap.servers} for clients of the PLAINTEXT listener. */
    public Map<String, Object> clientProperties() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    /** The pid of the running (or last) child process. */
    public long pid() {
        return running("get the pid of").pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where the child's output goes (appended across restarts). */
    public Path logFile() {
        return dataDir.resolve(LOG_FILE);
    }

    /** Stops a running child (SIGTERM) and deletes a temporary data directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (isRunning()) {
            stop();
        }
        if (deleteDataDirOnClose) {
            try {
                EmbeddedKafkaBroker.deleteRecursively(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete temporary broker directory " + dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        return "BrokerProcess[" + (bootstrapServers == null ? "not started" : bootstrapServers)
                + ", dataDir=" + dataDir + (isRunning() ? ", pid=" + child.pid() : "") + "]";
    }

    /** Settings of a {@link BrokerProcess}; each setter rejects a bad value at once. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();
        private boolean twoPhaseCommit;
        private final List<String> jvmOptions = new ArrayList<>(
                List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        private Duration readyTimeout = Duration.ofSeconds(90);
        private Duration stopTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** The broker's data directory, kept across restarts; default a temporary one, deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** The PLAINTEXT port; 0 (default) picks a free one at the first start (or reuses the recorded one). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** See {@link EmbeddedKafkaBroker.Builder#brokerProperty}. */
        public Builder brokerProperty(String key, String value) {
            EmbeddedKafkaBroker.builder().brokerProperty(key, value); // same checks
            brokerProperties.put(key, value);
            return this;
        }

        /** See {@link EmbeddedKafkaBroker.Builder#saslUser}. */
        public Builder saslUser(String username, String password) {
            EmbeddedKafkaBroker.builder().saslUser(username, password); // same checks
            saslUsers.put(username, password);
            return this;
        }

        /** See {@link EmbeddedKafkaBroker.Builder#twoPhaseCommit}. */
        public Builder twoPhaseCommit(boolean enable) {
            this.twoPhaseCommit = enable;
            return this;
        }

        /**
         * Adds an option for the child JVM, after the defaults
         * ({@code -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}); a later option wins.
         */
        public Builder jvmOption(String option) {
            Objects.requireNonNull(option, "option");
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException("a JVM option starts with '-', was '" + option + "'");
            }
            jvmOptions.add(option);
            return this;
        }

        /** How long {@link BrokerProcess#start()} waits for the ready line (default 90 s). */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = positive("readyTimeout", timeout);
            return this;
        }

        /** How long {@link BrokerProcess#stop()} waits after SIGTERM before it kills (default 30 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = positive("stopTimeout", timeout);
            return this;
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        /** An unstarted broker process; call {@link BrokerProcess#start()}. */
        public BrokerProcess build() {
            if (dataDir != null) {
                return new BrokerProcess(this, dataDir.toAbsolutePath(), false);
            }
            try {
                return new BrokerProcess(this, Files.createTempDirectory("cairn-kafka-process-"), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary broker directory", e);
            }
        }
    }
}
