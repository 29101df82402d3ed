package dev.cairn.kafka.testkit;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Topic names that no other test uses: tests share one broker per JVM (and may restart a broker on a
 * kept data directory), so every test takes fresh names instead of cleaning up.
 */
public final class TestTopics {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestTopics() {
    }

    /**
     * {@code prefix-<n>-<random>}: unique within this JVM (a counter) and across JVMs and restarts
     * (8 random hex digits). A legal Kafka topic name for any prefix of letters, digits, {@code .},
     * {@code _} and {@code -} up to 200 characters.
     */
    public static String unique(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix must match " + PREFIX + ", was '" + prefix + "'");
        }
        byte[] salt = new byte[4];
        RANDOM.nextBytes(salt);
        return prefix + "-" + COUNTER.incrementAndGet() + "-" + HexFormat.of().formatHex(salt);
    }
}
