package dev.cairn.cli.demo;

import dev.cairn.core.Serdes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Writes the bank's ticks into its source topic at a steady rate, each addressed to a random account
 * (the value is the account's index). Ticks are the outside world: what was written before a crash
 * is still in the topic, and the source's checkpointed offset decides what is read again.
 */
final class TickProducer implements AutoCloseable {
    private final Map<String, Object> properties;
    private final String topic;
    private final int rate;
    private final int accounts;
    private final Random random;
    private volatile boolean running = true;
    private Thread thread;

    TickProducer(Map<String, Object> kafka, String topic, int rate, int accounts, long seed) {
        this.properties = new HashMap<>(kafka);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.topic = topic;
        this.rate = rate;
        this.accounts = accounts;
        this.random = new Random(seed);
    }

    void start() {
        thread = new Thread(this::produce, "cairn-demo-ticks");
        thread.setDaemon(true);
        thread.start();
    }

    private void produce() {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            long begin = System.nanoTime();
            long sent = 0;
            while (running) {
                long due = (System.nanoTime() - begin) * rate / TimeUnit.SECONDS.toNanos(1);
                for (; sent < due && running; sent++) {
                    producer.send(new ProducerRecord<>(topic, null, Serdes.ints().serialize(random.nextInt(accounts))));
                }
                // pacing, not synchronization: ticks go out in batches every 10 ms
                TimeUnit.MILLISECONDS.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running) {
                System.err.println("cairn: the demo's tick producer stopped: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
