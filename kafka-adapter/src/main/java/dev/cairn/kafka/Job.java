package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Operator;
import dev.cairn.core.recovery.RecoveryOptions;
import dev.cairn.core.state.StateBackend;
import dev.cairn.kafka.internal.JobProcess;
import dev.cairn.kafka.internal.KafkaSettings;
import dev.cairn.kafka.internal.LogicalOp;
import dev.cairn.kafka.internal.PlanFactory;
import dev.cairn.kafka.internal.PhysicalPlan;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A cairn job: operators linked by single-partition Kafka topics, checkpointed together. Build it
 * once with {@link #builder(String)}, then {@link #start()} it (every operator and the coordinator
 * in this process) or {@link #start(Deployment)} a part of it.
 *
 * <pre>{@code
 * Job job = Job.builder("wordcount")
 *     .kafka(Map.of("bootstrap.servers", "localhost:9092"))
 *     .checkpointDirectory(Path.of("/var/lib/cairn"))
 *     .source("lines", "wordcount-input")
 *     .operator("split", Splitter::new)
 *     .operator("count", Counter::new, 2)          // two instances, routed by key
 *     .sink("out", "wordcount-output")
 *     .channel("lines", "split").channel("split", "count").channel("count", "out")
 *     .chain("lines", "split")                     // no topic between them
 *     .checkpoints(CheckpointConfig.builder().interval(Duration.ofSeconds(1)).build())
 *     .build();
 * try (RunningJob running = job.start()) {        // restores from the latest checkpoint, if any
 *     running.awaitTermination();
 * }
 * }</pre>
 */
public final class Job {
    private final String id;
    private final PhysicalPlan plan;
    private final Settings settings;

    private Job(String id, PhysicalPlan plan, Settings settings) {
        this.id = id;
        this.plan = plan;
        this.settings = settings;
    }

    public static Builder builder(String jobId) {
        return new Builder(jobId);
    }

    public String id() {
        return id;
    }

    /** The physical topology (nodes after chaining and parallelism), as checkpoints record it. */
    public dev.cairn.core.topology.Topology topology() {
        return plan.topology();
    }

    /** The topic backing channel {@code channel} of the physical topology. */
    public String channelTopic(dev.cairn.core.topology.ChannelId channel) {
        PhysicalPlan.Edge e = plan.edge(channel);
        if (e == null) {
            throw new IllegalArgumentException("job '" + id + "' has no channel " + channel);
        }
        return e.topic();
    }

    public Settings settings() {
        return settings;
    }

    PhysicalPlan plan() {
        return plan;
    }

    /** Runs every operator and the coordinator in this process. */
    public RunningJob start() {
        return start(Deployment.all());
    }

    /**
     * Runs the part of the job {@code deployment} names in this process. The other parts run in
     * other processes that share the broker and the checkpoint directory.
     */
    public RunningJob start(Deployment deployment) {
        for (String node : deployment.nodes()) {
            plan.node(node); // unknown ids fail here
        }
        JobProcess process = new JobProcess(plan, settings, deployment);
        process.start();
        return process;
    }

    /** Which nodes (physical operator ids) and whether the coordinator run in this process. */
    public record Deployment(Set<String> nodes, boolean coordinator, boolean everything) {
        /** Every operator and the coordinator. */
        public static Deployment all() {
            return new Deployment(Set.of(), true, true);
        }

        /** The named nodes (physical operator ids), with or without the coordinator. */
        public static Deployment of(Set<String> nodes, boolean coordinator) {
            return new Deployment(Set.copyOf(nodes), coordinator, false);
        }

        public Set<String> nodesOf(PhysicalPlan plan) {
            return everything ? plan.nodes().keySet() : nodes;
        }
    }

    /** Everything a running job needs besides its graph. */
    public record Settings(String jobId, KafkaSettings kafka, Path checkpointDirectory,
                           dev.cairn.core.storage.StorageFs storageFs, StateBackend stateBackend,
                           CheckpointConfig checkpoints, RestartPolicy restartPolicy, RecoveryOptions recovery,
                           Duration heartbeatInterval, Duration heartbeatTimeout, Duration startTimeout,
                           MeterRegistry registry, JobListener listener, int replicationFactor) {
    }

    /** Collects the graph and the settings; {@link #build()} validates the whole. */
    public static final class Builder {
        private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_-]{1,80}");

        private final String jobId;
        private final Map<String, LogicalOp> ops = new LinkedHashMap<>();
        private final List<String[]> edges = new ArrayList<>();
        private final List<List<String>> chains = new ArrayList<>();
        private Map<String, Object> kafka = new HashMap<>();
        private Path checkpointDirectory;
        private dev.cairn.core.storage.StorageFs storageFs = new dev.cairn.core.storage.NioStorageFs();
        private StateBackend stateBackend;
        private CheckpointConfig checkpoints = CheckpointConfig.defaults();
        private RestartPolicy restartPolicy = RestartPolicy.defaults();
        private RecoveryOptions recovery = RecoveryOptions.latest();
        private Duration heartbeatInterval = Duration.ofMillis(500);
        private Duration heartbeatTimeout = Duration.ofSeconds(10);
        private Duration startTimeout = Duration.ofSeconds(30);
        private MeterRegistry registry = new SimpleMeterRegistry();
        private JobListener listener = new JobListener() {
        };
        private String topicPrefix = "cairn";
        private int replicationFactor = -1;

        private Builder(String jobId) {
            if (jobId == null || !VALID_ID.matcher(jobId).matches()) {
                throw config("invalid job id '" + jobId + "': use 1 to 80 letters, digits, '_' or '-'");
            }
            this.jobId = jobId;
        }

        private void addOp(LogicalOp op) {
            if (op.id() == null || !VALID_ID.matcher(op.id()).matches() || op.id().contains("--")) {
                throw new CairnException(CairnException.Reason.TOPOLOGY, "invalid operator id '" + op.id()
                        + "': use 1 to 80 letters, digits, '_' or '-' (no '--')");
            }
            if (op.parallelism() < 1 || op.parallelism() > 1024) {
                throw config("parallelism of '" + op.id() + "' must be between 1 and 1024, was " + op.parallelism());
            }
            if (ops.putIfAbsent(op.id(), op) != null) {
                throw new CairnException(CairnException.Reason.TOPOLOGY, "duplicate operator id '" + op.id() + "'");
            }
        }

        /** A source: reads every partition of {@code topic}, from the earliest offset on a fresh start. */
        public Builder source(String id, String topic) {
            return source(id, topic, 1, false);
        }

        /**
         * A source with {@code parallelism} instances (instance i reads the partitions p with
         * {@code p % parallelism == i}); {@code bounded} stops at the end offsets found when the job
         * first started, and the job finishes once everything is processed.
         */
        public Builder source(String id, String topic, int parallelism, boolean bounded) {
            requireTopic(topic, id);
            addOp(new LogicalOp(id, LogicalOp.Kind.SOURCE, null, topic, bounded, null, parallelism));
            return this;
        }

        /** A bounded source (see {@link #source(String, String, int, boolean)}). */
        public Builder boundedSource(String id, String topic) {
            return source(id, topic, 1, true);
        }

        public Builder operator(String id, Supplier<? extends Operator> factory) {
            return operator(id, factory, 1);
        }

        /** An operator with {@code parallelism} instances; records into it are routed by key hash. */
        public Builder operator(String id, Supplier<? extends Operator> factory, int parallelism) {
            Objects.requireNonNull(factory, "operator factory");
            addOp(new LogicalOp(id, LogicalOp.Kind.OPERATOR, factory, null, false, null, parallelism));
            return this;
        }

        public Builder sink(String id, String topic) {
            return sink(id, topic, Delivery.AT_LEAST_ONCE);
        }

        /** A sink: writes every record it receives to {@code topic} (key and value as they are). */
        public Builder sink(String id, String topic, Delivery delivery) {
            requireTopic(topic, id);
            addOp(new LogicalOp(id, LogicalOp.Kind.SINK, null, topic, false, Objects.requireNonNull(delivery), 1));
            return this;
        }

        /** Records emitted by {@code from} to {@code to} travel on a channel (or a direct call in a chain). */
        public Builder channel(String from, String to) {
            edges.add(new String[]{from, to});
            return this;
        }

        /**
         * Fuses operators into one thread with no topic between them: each must be the only input of
         * the next, with equal parallelism. Snapshotted together.
         */
        public Builder chain(String... ids) {
            if (ids.length < 2) {
                throw new CairnException(CairnException.Reason.TOPOLOGY, "a chain needs at least two operators");
            }
            chains.add(List.of(ids));
            return this;
        }

        /** Kafka client properties, passed through (security settings included). */
        public Builder kafka(Map<String, ?> properties) {
            this.kafka = new HashMap<>(properties);
            return this;
        }

        public Builder bootstrapServers(String servers) {
            this.kafka.put("bootstrap.servers", servers);
            return this;
        }

        /** The checkpoint root; the job's checkpoints live in {@code <root>/<job id>}. */
        public Builder checkpointDirectory(Path root) {
            this.checkpointDirectory = Objects.requireNonNull(root, "checkpointDirectory");
            return this;
        }

        /**
         * The file system under the checkpoint directory: the local one by default. Tests and the
         * torture harness pass a {@link dev.cairn.core.storage.FaultInjectingFs} to make storage fail.
         */
        public Builder storageFileSystem(dev.cairn.core.storage.StorageFs fs) {
            this.storageFs = Objects.requireNonNull(fs, "storageFileSystem");
            return this;
        }

        /** Where operator state lives; RocksDB (see state-store's README) by default. */
        public Builder stateBackend(StateBackend backend) {
            this.stateBackend = Objects.requireNonNull(backend, "stateBackend");
            return this;
        }

        public Builder checkpoints(CheckpointConfig config) {
            this.checkpoints = Objects.requireNonNull(config, "checkpoints");
            return this;
        }

        public Builder restartPolicy(RestartPolicy policy) {
            this.restartPolicy = Objects.requireNonNull(policy, "restartPolicy");
            return this;
        }

        /** How to recover at start: the latest checkpoint (default), a chosen one, or a forced fresh start. */
        public Builder recovery(RecoveryOptions options) {
            this.recovery = Objects.requireNonNull(options, "recovery");
            return this;
        }

        public Builder heartbeat(Duration interval, Duration timeout) {
            if (interval.isNegative() || interval.isZero() || timeout.compareTo(interval.multipliedBy(2)) < 0) {
                throw config("heartbeat timeout (" + timeout + ") must be at least twice the interval (" + interval + ")");
            }
            this.heartbeatInterval = interval;
            this.heartbeatTimeout = timeout;
            return this;
        }

        /** How long to wait for the broker and for every operator to register before giving up. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        public Builder listener(JobListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Prefix of the topics cairn creates: {@code <prefix>.<job>.<from>--<to>} and {@code <prefix>.<job>.control}. */
        public Builder topicPrefix(String prefix) {
            if (!VALID_ID.matcher(prefix).matches()) {
                throw config("invalid topic prefix '" + prefix + "'");
            }
            this.topicPrefix = prefix;
            return this;
        }

        /** Replication factor of the topics cairn creates; -1 (default) uses the broker's default. */
        public Builder replicationFactor(int rf) {
            this.replicationFactor = rf;
            return this;
        }

        public Job build() {
            if (ops.isEmpty()) {
                throw new CairnException(CairnException.Reason.TOPOLOGY, "job '" + jobId + "' has no operators");
            }
            if (checkpointDirectory == null) {
                throw config("job '" + jobId + "': checkpointDirectory is not set");
            }
            KafkaSettings ks = KafkaSettings.of(kafka);
            PhysicalPlan plan = PlanFactory.create(jobId, topicPrefix, ops, edges, chains);
            plan.topology().validateFor(checkpoints.triggers(), checkpoints.alignment());
            boolean bounded = ops.values().stream().anyMatch(LogicalOp::bounded);
            if (bounded) {
                plan.topology().findCycle().ifPresent(cycle -> {
                    throw new CairnException(CairnException.Reason.TOPOLOGY, "job '" + jobId + "' has a bounded source"
                            + " but a cycle (" + String.join(" -> ", cycle) + "): end of input cannot leave a cycle, so"
                            + " the job would never finish; use an unbounded source or an acyclic topology");
                });
            }
            StateBackend backend = stateBackend != null ? stateBackend : dev.cairn.state.RocksDbStateBackend.create();
            Settings s = new Settings(jobId, ks, checkpointDirectory, storageFs, backend, checkpoints, restartPolicy, recovery,
                    heartbeatInterval, heartbeatTimeout, startTimeout, registry, listener, replicationFactor);
            return new Job(jobId, plan, s);
        }

        private static void requireTopic(String topic, String id) {
            if (topic == null || topic.isEmpty() || topic.length() > 249 || !topic.matches("[A-Za-z0-9._-]+")) {
                throw config("'" + id + "': invalid topic name '" + topic + "'");
            }
        }

        private static CairnException config(String message) {
            return new CairnException(CairnException.Reason.CONFIGURATION, message);
        }
    }
}
