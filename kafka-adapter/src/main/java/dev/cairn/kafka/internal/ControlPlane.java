package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A process's connection to its job's control topic: sends control messages, and a thread that
 * reads every message published after this process started and hands each to a handler.
 */
final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    private volatile boolean closed;

    ControlPlane(KafkaSettings kafka, String topic, String clientId, Consumer<ControlMessage> handler,
                 Consumer<Throwable> onFatal) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(kafka.controlProducer(clientId + "-control-out"));
        this.consumer = new KafkaConsumer<>(kafka.consumer(clientId + "-control-in"));
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp); // resolve now: only messages sent from here on are read
        this.reader = new Thread(() -> read(tp, handler, onFatal), clientId + "-control");
        reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    private void read(TopicPartition tp, Consumer<ControlMessage> handler, Consumer<Throwable> onFatal) {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    ControlMessage m;
                    try {
                        m = ControlMessage.decode(r.value(), topic + "-0@" + r.offset());
                    } catch (CairnException e) {
                        LOG.warn("ignoring a malformed control record: {}", e.getMessage());
                        continue;
                    }
                    handler.accept(m);
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                onFatal.accept(e);
            }
        } catch (Throwable t) {
            if (!closed) {
                LOG.error("control topic reader of {} failed", topic, t);
                onFatal.accept(t);
            }
        }
    }

    /** Sends a control message; failures surface through {@code onError}. */
    void send(ControlMessage m, Consumer<Exception> onError) {
        producer.send(new ProducerRecord<>(topic, 0, null, m.encode()), (md, e) -> {
            if (e != null && onError != null) {
                onError.accept(e);
            }
        });
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(2));
    }
}
