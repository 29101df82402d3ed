package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates and checks the topics of a job. A channel topic has exactly one partition, infinite time
 * and size retention and {@code cleanup.policy=delete}: cairn truncates it itself, below what the
 * oldest retained checkpoint may replay. A pre-existing topic that differs is a configuration
 * error at start, never silently used.
 */
public final class TopicManager implements AutoCloseable {
    private final Admin admin;
    private final Duration timeout;
    private final int replicationFactor;

    public TopicManager(KafkaSettings kafka, String clientId, Duration timeout, int replicationFactor) {
        this.admin = Admin.create(kafka.admin(clientId));
        this.timeout = timeout;
        this.replicationFactor = replicationFactor;
    }

    /** Fails within the timeout with a clear error if the broker cannot be reached. */
    public void checkReachable(String bootstrap) {
        try {
            admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CairnException(CairnException.Reason.UNAVAILABLE, "cannot reach Kafka at " + bootstrap
                    + " within " + timeout + ": is the broker running and the address right?", e);
        } catch (ExecutionException e) {
            throw new CairnException(CairnException.Reason.UNAVAILABLE, "cannot reach Kafka at " + bootstrap + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CairnException(CairnException.Reason.UNAVAILABLE, "interrupted while reaching Kafka", e);
        }
    }

    /** Creates the channel topic or checks the existing one; returns its topic id. */
    public String ensureChannel(String topic) {
        Map<String, String> configs = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        create(topic, configs);
        TopicDescription d = describeCreated(topic).orElseThrow(() -> missing(topic, "channel"));
        if (d.partitions().size() != 1) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "channel topic '" + topic + "' has "
                    + d.partitions().size() + " partitions; a channel needs exactly 1 (FIFO). Delete it or choose"
                    + " another topic prefix");
        }
        Config c = config(topic);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : configs.entrySet()) {
            ConfigEntry entry = c.get(e.getKey());
            String v = entry == null ? null : entry.value();
            if (!e.getValue().equals(v)) {
                wrong.add(e.getKey() + "=" + v + " (needs " + e.getValue() + ")");
            }
        }
        if (!wrong.isEmpty()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "channel topic '" + topic + "' has "
                    + String.join(", ", wrong) + ": retention could remove records a checkpoint replays. Fix the"
                    + " topic's configuration or delete it");
        }
        return d.topicId().toString();
    }

    /** Creates the control topic if missing (one partition). */
    public void ensureControl(String topic) {
        create(topic, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(1).toMillis()),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));
        TopicDescription d = describeCreated(topic).orElseThrow(() -> missing(topic, "control"));
        if (d.partitions().size() != 1) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "control topic '" + topic + "' has "
                    + d.partitions().size() + " partitions; it needs exactly 1");
        }
    }

    /** Creates the compacted one-partition topic of a job's exactly-once sink commit markers if missing. */
    public void ensureSinkCommits(String topic) {
        create(topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        TopicDescription d = describeCreated(topic).orElseThrow(() -> missing(topic, "sink commit marker"));
        if (d.partitions().size() != 1) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "sink commit marker topic '" + topic + "' has "
                    + d.partitions().size() + " partitions; it needs exactly 1");
        }
    }

    /** A broker setting of one broker of the cluster (e.g. {@code transaction.max.timeout.ms}), empty if not reported. */
    public Optional<String> brokerSetting(String name) {
        try {
            Collection<org.apache.kafka.common.Node> nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                return Optional.empty();
            }
            org.apache.kafka.common.config.ConfigResource r = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Config c = admin.describeConfigs(List.of(r)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(r);
            org.apache.kafka.clients.admin.ConfigEntry e = c == null ? null : c.get(name);
            return e == null || e.value() == null ? Optional.empty() : Optional.of(e.value());
        } catch (ExecutionException e) {
            throw unavailable("describe the broker setting '" + name + "'", e.getCause());
        } catch (Exception e) {
            throw unavailable("describe the broker setting '" + name + "'", e);
        }
    }

    /**
     * The coordinator's view of transactional id {@code transactionalId}, empty if the
     * coordinator does not know it (never used, or expired after {@code transactional.id.expiration.ms}).
     */
    public Optional<org.apache.kafka.clients.admin.TransactionDescription> describeTransaction(String transactionalId) {
        try {
            return Optional.of(admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TransactionalIdNotFoundException) {
                return Optional.empty();
            }
            throw unavailable("describe transactional id '" + transactionalId + "'", e.getCause());
        } catch (Exception e) {
            throw unavailable("describe transactional id '" + transactionalId + "'", e);
        }
    }

    /** The partitions of an external topic (a source's or a sink's); it must exist. */
    public List<TopicPartition> partitionsOf(String topic, String role) {
        TopicDescription d = describe(topic).orElseThrow(() -> missing(topic, role));
        List<TopicPartition> tps = new ArrayList<>();
        d.partitions().forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
        return tps;
    }

    /** Topic ids of existing topics (absent topics are left out). */
    public Map<String, String> topicIds(Collection<String> topics) {
        Map<String, String> ids = new HashMap<>();
        for (String t : topics) {
            describe(t).ifPresent(d -> ids.put(t, d.topicId().toString()));
        }
        return ids;
    }

    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> tps) {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        tps.forEach(tp -> spec.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(spec).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (Exception e) {
            throw unavailable("list end offsets of " + tps, e);
        }
    }

    /** Deletes records below {@code before} in single-partition topics. */
    public void truncate(Map<String, Long> before) {
        if (before.isEmpty()) {
            return;
        }
        Map<TopicPartition, RecordsToDelete> req = new HashMap<>();
        before.forEach((t, off) -> req.put(new TopicPartition(t, 0), RecordsToDelete.beforeOffset(off)));
        try {
            admin.deleteRecords(req).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw unavailable("truncate channels " + before.keySet(), e);
        }
    }

    private void create(String topic, Map<String, String> configs) {
        NewTopic nt = new NewTopic(topic, Optional.of(1),
                replicationFactor > 0 ? Optional.of((short) replicationFactor) : Optional.empty()).configs(configs);
        try {
            admin.createTopics(List.of(nt)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw unavailable("create topic '" + topic + "'", e.getCause());
            }
        } catch (Exception e) {
            throw unavailable("create topic '" + topic + "'", e);
        }
    }

    /**
     * Describes a topic just created (by us or a concurrent process): metadata reaches the broker
     * that answers a moment after the creation returns, so an unknown topic is asked again, within
     * the timeout.
     */
    private Optional<TopicDescription> describeCreated(String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<TopicDescription> d = describe(topic);
            if (d.isPresent() || System.nanoTime() > deadline) {
                return d;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return d;
            }
        }
    }

    private Optional<TopicDescription> describe(String topic) {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw unavailable("describe topic '" + topic + "'", e.getCause());
        } catch (Exception e) {
            throw unavailable("describe topic '" + topic + "'", e);
        }
    }

    private Config config(String topic) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            return admin.describeConfigs(List.of(r)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(r);
        } catch (Exception e) {
            throw unavailable("describe the configuration of topic '" + topic + "'", e);
        }
    }

    private static CairnException missing(String topic, String role) {
        return new CairnException(CairnException.Reason.CONFIGURATION, role + " topic '" + topic + "' does not exist;"
                + " create it first");
    }

    private static CairnException unavailable(String what, Throwable e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new CairnException(CairnException.Reason.UNAVAILABLE, "cannot " + what + ": " + e, e);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
