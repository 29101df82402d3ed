package dev.cairn.kafka.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one node) running in this JVM,
 * built from the Kafka 4.4 server artifacts. For tests, for the cli's embedded default, and for
 * users' own tests.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
 *     broker.createTopic("words", 1);
 *     Map<String, Object> props = broker.clientProperties();   // bootstrap.servers
 *     ...
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link #start()} returns only when the broker answers an Admin {@code describeCluster} on
 *       {@link #bootstrapServers()}; if it does not within the start timeout (default 60 s), or the
 *       server fails to start, it throws {@link BrokerStartException} naming the port and the data
 *       directory, and releases what it started.</li>
 *   <li>Data directory: by default a fresh temporary directory, deleted by {@link #close()}. A
 *       directory given to the builder is never deleted: a broker started again on it (in this
 *       process or another, also after the previous one was killed) finds its topics and records,
 *       and listens on the same ports, so clients' bootstrap address stays valid. The storage is
 *       formatted only when the directory holds no {@code meta.properties} yet.</li>
 *   <li>Single-node settings: replication factor 1 and min ISR 1 for every internal topic,
 *       {@code auto.create.topics.enable=false}, {@code group.initial.rebalance.delay.ms=0}. Every
 *       listener binds to 127.0.0.1 only.</li>
 *   <li>Optional SASL/PLAIN listener ({@link Builder#saslUser}); credentials are never logged by this
 *       class, never put on a command line, and the temporary configuration file that holds them for
 *       formatting is owner-only and deleted right after.</li>
 *   <li>{@link #close()} shuts the broker down cleanly and waits for it; calling it again does
 *       nothing. A broker is started at most once: build a new instance to start again.</li>
 * </ul>
 *
 * <h2>Logging</h2>
 * The broker logs through slf4j; this library depends on {@code slf4j-api} only and never on a
 * binding, so the application's binding decides. At INFO a broker prints thousands of lines per test
 * run; configure {@code kafka}, {@code org.apache.kafka} and {@code state.change.logger} at WARN
 * (see the module README). {@code kafka-server} also pulls {@code log4j-core}, which only its dynamic
 * log-level endpoint touches; with no log4j2 configuration it stays at ERROR and prints nothing.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** Host every listener binds to and advertises: loopback only. */
    public static final String HOST = "127.0.0.1";
    /** Subdirectory of the data directory that holds Kafka's logs and {@code meta.properties}. */
    static final String KAFKA_LOG_DIR = "kafka-logs";
    static final String SASL_LISTENER = "SASL_PLAINTEXT";
    private static final int NODE_ID = 1;
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_-]+");

    private enum State { NEW, STARTING, RUNNING, CLOSED }

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int requestedPort;
    private final Map<String, String> brokerProperties;
    private final Map<String, String> saslUsers;
    private final boolean twoPhaseCommit;
    private final Duration startTimeout;

    private final Object lock = new Object();
    private State state = State.NEW;
    private KafkaRaftServer server;
    private CompletableFuture<Void> startup;
    private DataDirRecord record;

    private EmbeddedKafkaBroker(Builder b, Path dataDir, boolean deleteDataDirOnClose) {
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.requestedPort = b.port;
        this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.brokerProperties));
        this.saslUsers = Collections.unmodifiableMap(new LinkedHashMap<>(b.saslUsers));
        this.twoPhaseCommit = b.twoPhaseCommit;
        this.startTimeout = b.startTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the storage if needed, starts the server and waits until it answers
     * {@code describeCluster}.
     *
     * @return this broker, started
     * @throws BrokerStartException if the broker failed or did not answer within the start timeout;
     *         everything started so far has been shut down
     * @throws IllegalStateException if this broker was started or closed before
     */
    public EmbeddedKafkaBroker start() {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("broker on " + dataDir + " is " + state + "; a broker starts once");
            }
            state = State.STARTING;
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            Files.createDirectories(dataDir);
            record = resolvePorts();
            Properties props = serverProperties(record);
            formatIfNeeded(record, props);
            record.write(dataDir);
            KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            synchronized (lock) {
                server = s;
                startup = CompletableFuture.runAsync(s::startup, runnable -> {
                    Thread t = new Thread(runnable, "cairn-kafka-startup-" + record.port());
                    t.setDaemon(true);
                    t.start();
                });
            }
            startup.get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
            awaitDescribeCluster(deadline);
        } catch (TimeoutException e) {
            throw failStart("did not answer describeCluster within " + startTimeout.toMillis() + " ms", null);
        } catch (ExecutionException e) {
            throw failStart("failed to start: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failStart("interrupted while starting", e);
        } catch (IOException | RuntimeException e) {
            throw failStart("failed to start: " + e, e);
        }
        synchronized (lock) {
            if (state == State.STARTING) {
                state = State.RUNNING;
            }
        }
        LOG.debug("Kafka broker ready at {} (data dir {})", bootstrapServers(), dataDir);
        return this;
    }

    private BrokerStartException failStart(String what, Throwable cause) {
        String where = "Kafka broker at " + HOST + ":" + (record == null ? requestedPort : record.port())
                + " (data dir " + dataDir + ")";
        BrokerStartException failure = new BrokerStartException(where + " " + what, cause);
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    private static long remainingNanos(long deadline) throws TimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException();
        }
        return left;
    }

    private void awaitDescribeCluster(long deadline) throws TimeoutException, InterruptedException {
        Map<String, Object> config = new LinkedHashMap<>(clientProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                int wait = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(remainingNanos(deadline))));
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(wait))
                            .nodes().get(wait, TimeUnit.MILLISECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // not ready yet (retriable, or the admin's own timeout): try again until the deadline
                    LOG.debug("broker at {} not ready yet: {}", bootstrapServers(), e.getCause().toString());
                }
            }
        }
    }

    private DataDirRecord resolvePorts() throws IOException {
        DataDirRecord previous = DataDirRecord.read(dataDir).orElse(null);
        List<ServerSocket> held = new ArrayList<>();
        try {
            int port = requestedPort != 0 ? requestedPort : previous != null ? previous.port() : freePort(held);
            int controllerPort = previous != null ? previous.controllerPort() : freePort(held);
            int saslPort = saslUsers.isEmpty() ? 0
                    : previous != null && previous.saslPort() != 0 ? previous.saslPort() : freePort(held);
            String clusterId = previous != null ? previous.clusterId() : Uuid.randomUuid().toString();
            return new DataDirRecord(clusterId, port, controllerPort, saslPort);
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** A port free now; kept bound until all ports are chosen so that two choices never collide. */
    private static int freePort(List<ServerSocket> held) throws IOException {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        held.add(s);
        return s.getLocalPort();
    }

    private Properties serverProperties(DataDirRecord r) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(NODE_ID));
        p.setProperty("controller.quorum.bootstrap.servers", HOST + ":" + r.controllerPort());
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        String listeners = "PLAINTEXT://" + HOST + ":" + r.port();
        String advertised = listeners;
        String protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT";
        if (!saslUsers.isEmpty()) {
            listeners += "," + SASL_LISTENER + "://" + HOST + ":" + r.saslPort();
            advertised += "," + SASL_LISTENER + "://" + HOST + ":" + r.saslPort();
            protocols += "," + SASL_LISTENER + ":SASL_PLAINTEXT";
            p.setProperty("sasl.enabled.mechanisms", "PLAIN");
            p.setProperty("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
            p.setProperty("listener.name.sasl_plaintext.plain.sasl.jaas.config", serverJaas());
        }
        p.setProperty("listeners", listeners + ",CONTROLLER://" + HOST + ":" + r.controllerPort());
        p.setProperty("advertised.listeners", advertised);
        p.setProperty("listener.security.protocol.map", protocols);
        p.setProperty("log.dirs", dataDir.resolve(KAFKA_LOG_DIR).toAbsolutePath().toString());

        // one node: every internal topic with one replica, and small
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // lean on a small machine
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        p.setProperty("transaction.two.phase.commit.enable", Boolean.toString(twoPhaseCommit));
        brokerProperties.forEach(p::setProperty);
        return p;
    }

    private String serverJaas() {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"")
                .append(jaasEscape(password)).append('"'));
        return jaas.append(';').toString();
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private void formatIfNeeded(DataDirRecord r, Properties props) throws IOException {
        if (Files.exists(dataDir.resolve(KAFKA_LOG_DIR).resolve("meta.properties"))) {
            return;
        }
        // the file may hold SASL passwords: owner-only, and deleted as soon as the format ran
        Path file = Files.createTempFile(dataDir, "format-", ".properties",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                props.store(out, null);
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int rc;
            try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[] {
                    "format", "-t", r.clusterId(), "-c", file.toString(), "--standalone"}, ps);
            }
            if (rc != 0) {
                throw new IllegalStateException("formatting the storage failed (exit code " + rc + "): "
                        + output.toString(StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return HOST + ":" + port();
    }

    /** The PLAINTEXT listener's port; known once {@link #start()} has chosen it. */
    public int port() {
        return started().port();
    }

    /** {@code host:port} of the SASL/PLAIN listener. */
    public String saslBootstrapServers() {
        DataDirRecord r = started();
        if (r.saslPort() == 0) {
            throw new IllegalStateException("this broker has no SASL listener: add Builder.saslUser(...)");
        }
        return HOST + ":" + r.saslPort();
    }

    private DataDirRecord started() {
        DataDirRecord r = record;
        if (r == null) {
            throw new IllegalStateException("broker on " + dataDir + " has not been started");
        }
        return r;
    }

    public Path dataDir() {
        return dataDir;
    }

    public boolean isRunning() {
        synchronized (lock) {
            return state == State.RUNNING;
        }
    }

    /** Client properties for the PLAINTEXT listener: {@code bootstrap.servers} only. */
    public Map<String, Object> clientProperties() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /**
     * Client properties to connect to the SASL/PLAIN listener as {@code username}, with the password
     * the broker was built with.
     *
     * @throws IllegalArgumentException if the broker knows no such user
     */
    public Map<String, Object> saslClientProperties(String username) {
        String password = saslUsers.get(username);
        if (password == null) {
            throw new IllegalArgumentException("no SASL user '" + username + "' on this broker; users: " + saslUsers.keySet());
        }
        return saslClientProperties(username, password);
    }

    /**
     * Client properties to connect to the SASL/PLAIN listener with any credentials (for example a
     * wrong password, to test a rejection).
     */
    public Map<String, Object> saslClientProperties(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, saslBootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + jaasEscape(username) + "\" password=\"" + jaasEscape(password) + "\";");
    }

    /** Creates a topic with one replica and waits until the broker acknowledged it. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with one replica and the given topic configs, and waits for it. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("creating topic '" + name + "' on " + bootstrapServers() + " failed: "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topic '" + name + "' on " + bootstrapServers() + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        }
    }

    /**
     * Shuts the broker down cleanly and waits for it; deletes the data directory if it was a temporary
     * one. Idempotent: a second call does nothing.
     */
    @Override
    public void close() {
        KafkaRaftServer s;
        CompletableFuture<Void> starting;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            s = server;
            starting = startup;
            server = null;
        }
        RuntimeException failure = null;
        if (s != null) {
            try {
                if (starting != null) {
                    // never shut down a server that is still inside startup(): let it finish or fail first
                    try {
                        starting.get(60, TimeUnit.SECONDS);
                    } catch (ExecutionException ignored) {
                        // the start failure has been reported by start(); shut down what exists
                    }
                }
                s.shutdown();
                s.awaitShutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted while closing broker on " + dataDir, e);
            } catch (TimeoutException | RuntimeException e) {
                failure = new IllegalStateException("closing broker on " + dataDir + " failed: " + e, e);
            }
        }
        if (deleteDataDirOnClose) {
            try {
                deleteRecursively(dataDir);
            } catch (IOException | UncheckedIOException e) {
                LOG.warn("could not delete temporary broker directory {}: {}", dataDir, e.toString());
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public String toString() {
        DataDirRecord r = record;
        return "EmbeddedKafkaBroker[" + (r == null ? "not started" : HOST + ":" + r.port())
                + ", dataDir=" + dataDir + ", saslUsers=" + saslUsers.keySet() + "]";
    }

    /**
     * Settings of an {@link EmbeddedKafkaBroker}; each setter rejects a bad value at once.
     */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();
        private boolean twoPhaseCommit;
        private Duration startTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * Keeps the broker's data in {@code dir} (created if missing, never deleted). Without it, a
         * fresh temporary directory is used and deleted on close.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /**
         * Port of the PLAINTEXT listener; 0 (the default) picks a free one, or reuses the port the
         * data directory recorded in an earlier run. A free port is found by binding port 0 and
         * releasing it just before the broker binds; if another process takes it in between, the
         * start fails with a {@link BrokerStartException} naming the port.
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** A broker property, applied after (and so overriding) the testkit's single-node settings. */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            if (key.equals("log.dirs") || key.equals("node.id") || key.equals("process.roles")) {
                throw new IllegalArgumentException("broker property '" + key + "' is owned by the testkit");
            }
            brokerProperties.put(key, value);
            return this;
        }

        /** Several broker properties; see {@link #brokerProperty}. */
        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * Adds a SASL/PLAIN user; the first one adds a {@code SASL_PLAINTEXT} listener (see
         * {@link EmbeddedKafkaBroker#saslBootstrapServers()}). Usernames are letters, digits,
         * {@code _} and {@code -}.
         */
        public Builder saslUser(String username, String password) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password of " + username);
            if (!USERNAME.matcher(username).matches()) {
                throw new IllegalArgumentException("SASL username must match " + USERNAME + ", was '" + username + "'");
            }
            saslUsers.put(username, password);
            return this;
        }

        /** Several SASL/PLAIN users, username to password; see {@link #saslUser}. */
        public Builder saslUsers(Map<String, String> users) {
            users.forEach(this::saslUser);
            return this;
        }

        /**
         * Sets the broker's {@code transaction.two.phase.commit.enable} (KIP-939), false by default.
         * See docs/EXACTLY-ONCE-SPIKE.md for what it does and does not give in Kafka 4.4.
         */
        public Builder twoPhaseCommit(boolean enable) {
            this.twoPhaseCommit = enable;
            return this;
        }

        /** How long {@link EmbeddedKafkaBroker#start()} waits for the broker to answer (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "startTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** An unstarted broker; call {@link EmbeddedKafkaBroker#start()}. */
        public EmbeddedKafkaBroker build() {
            if (dataDir != null) {
                return new EmbeddedKafkaBroker(this, dataDir.toAbsolutePath(), false);
            }
            try {
                return new EmbeddedKafkaBroker(this, Files.createTempDirectory("cairn-kafka-"), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary broker directory", e);
            }
        }

        /** Builds and starts the broker. */
        public EmbeddedKafkaBroker start() {
            return build().start();
        }
    }
}
