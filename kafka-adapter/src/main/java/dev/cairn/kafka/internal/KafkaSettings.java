package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The user's Kafka client properties, passed through to cairn's producers, consumers and admin
 * clients (each gets only the keys it knows, so nothing is logged as unknown), with the few
 * settings cairn must own enforced. A user value that contradicts one is an error naming the key.
 */
public final class KafkaSettings {
    /** Producer settings the protocol depends on: any failed send must be an operator failure, never a gap. */
    static final Map<String, Object> OWNED_PRODUCER = Map.of(
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    /** Consumer settings: partitions are assigned, positions are tracked by cairn, never committed. */
    static final Map<String, Object> OWNED_CONSUMER = Map.of(
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    private static final Set<String> FORBIDDEN = Set.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

    private final Map<String, Object> user;

    private KafkaSettings(Map<String, Object> user) {
        this.user = user;
    }

    /**
     * @throws CairnException CONFIGURATION naming every key that contradicts what cairn owns, or a
     *                        missing {@code bootstrap.servers}
     */
    public static KafkaSettings of(Map<String, Object> properties) {
        Map<String, Object> p = new LinkedHashMap<>(properties);
        Object servers = p.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (servers == null || servers.toString().isBlank()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "kafka setting 'bootstrap.servers' is not set");
        }
        List<String> conflicts = new ArrayList<>();
        check(p, OWNED_PRODUCER, "producer", conflicts);
        check(p, OWNED_CONSUMER, "consumer", conflicts);
        Object inFlight = p.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        if (inFlight != null && Integer.parseInt(inFlight.toString().trim()) > 5) {
            conflicts.add("'max.in.flight.requests.per.connection' must be at most 5 (idempotence keeps order only"
                    + " up to 5), was '" + inFlight + "'");
        }
        for (String key : FORBIDDEN) {
            if (p.containsKey(key)) {
                conflicts.add("'" + key + "' is set by cairn itself and must not be given");
            }
        }
        if (!conflicts.isEmpty()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "kafka settings cairn owns were set otherwise: "
                    + String.join("; ", conflicts));
        }
        return new KafkaSettings(p);
    }

    private static void check(Map<String, Object> p, Map<String, Object> owned, String client, List<String> out) {
        for (Map.Entry<String, Object> e : owned.entrySet()) {
            Object v = p.get(e.getKey());
            if (v == null) {
                continue;
            }
            String given = v instanceof Class<?> c ? c.getName() : v.toString().trim();
            if (!given.equalsIgnoreCase(e.getValue().toString())
                    && !(e.getKey().equals(ProducerConfig.ACKS_CONFIG) && given.equals("-1"))) {
                out.add("'" + e.getKey() + "' (" + client + ") must be '" + e.getValue() + "', was '" + given + "'");
            }
        }
    }

    public String bootstrapServers() {
        return user.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG).toString();
    }

    /** Producer properties for channels and at-least-once sinks. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> m = filter(ProducerConfig.configNames());
        m.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        m.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(64 * 1024));
        m.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        m.putAll(OWNED_PRODUCER);
        m.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return m;
    }

    /** Producer properties for the control topic: no lingering. */
    public Map<String, Object> controlProducer(String clientId) {
        Map<String, Object> m = producer(clientId);
        m.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return m;
    }

    /** Consumer properties (assignment only, no group). */
    public Map<String, Object> consumer(String clientId) {
        Map<String, Object> m = filter(ConsumerConfig.configNames());
        m.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        m.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        m.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        m.putAll(OWNED_CONSUMER);
        m.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        return m;
    }

    public Map<String, Object> admin(String clientId) {
        Map<String, Object> m = filter(AdminClientConfig.configNames());
        m.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return m;
    }

    /** The user's properties as given, for a client cairn does not own (e.g. a transactional sink producer). */
    public Map<String, Object> raw() {
        return new HashMap<>(user);
    }

    private Map<String, Object> filter(Set<String> known) {
        Map<String, Object> m = new HashMap<>();
        for (Map.Entry<String, Object> e : user.entrySet()) {
            if (known.contains(e.getKey())) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }
}
