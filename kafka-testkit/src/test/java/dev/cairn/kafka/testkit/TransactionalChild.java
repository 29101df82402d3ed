package dev.cairn.kafka.testkit;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A sink process for {@link TwoPhaseCommitSpikeTest}: opens a transaction, writes records, flushes
 * them (everything a "prepare" can do with kafka-clients 4.4.0), prints {@value #FLUSHED}, and then
 * waits to be SIGKILLed without ever committing.
 *
 * <p>Arguments: bootstrap transactionalId topic count [markerTopic group checkpointId]. With the
 * optional three, the transaction also carries a commit marker: the group's offset for
 * {@code markerTopic-0} set to {@code checkpointId}.
 */
public final class TransactionalChild {
    static final String FLUSHED = "FLUSHED";

    private TransactionalChild() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String transactionalId = args[1];
        String topic = args[2];
        int count = Integer.parseInt(args[3]);
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TWO_PHASE_COMMIT_ENABLE_CONFIG, "true");
        KafkaProducer<String, String> producer = Clients.producer(props, Map.of());
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(topic, 0, null, "child-" + i));
        }
        if (args.length > 4) {
            producer.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(args[4], 0), new OffsetAndMetadata(Long.parseLong(args[6]), "checkpoint")),
                    new ConsumerGroupMetadata(args[5]));
        }
        producer.flush();
        System.out.println(FLUSHED);
        System.out.flush();
        // never commit, never close: wait for SIGKILL (or the parent's end, seen as EOF)
        while (System.in.read() >= 0) {
            // nothing
        }
    }
}
