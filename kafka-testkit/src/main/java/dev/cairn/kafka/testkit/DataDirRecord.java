package dev.cairn.kafka.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * What a broker's data directory remembers about the broker that used it: the cluster id it was
 * formatted with and the ports it listened on, so a restart on the same directory serves clients at
 * the same bootstrap address. Stored as {@value #FILE_NAME} at the top of the data directory; holds
 * no credentials.
 */
record DataDirRecord(String clusterId, int port, int controllerPort, int saslPort) {
    static final String FILE_NAME = "cairn-broker.properties";

    DataDirRecord {
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalArgumentException("cluster id must not be blank");
        }
        checkPort("port", port, false);
        checkPort("controller.port", controllerPort, false);
        checkPort("sasl.port", saslPort, true);
    }

    private static void checkPort(String name, int value, boolean zeroAllowed) {
        if (value < (zeroAllowed ? 0 : 1) || value > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }

    static Optional<DataDirRecord> read(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
            return Optional.of(new DataDirRecord(
                    p.getProperty("cluster.id"),
                    Integer.parseInt(p.getProperty("port")),
                    Integer.parseInt(p.getProperty("controller.port")),
                    Integer.parseInt(p.getProperty("sasl.port", "0"))));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable broker record " + file + ": " + e.getMessage(), e);
        }
    }

    void write(Path dataDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("cluster.id", clusterId);
        p.setProperty("port", Integer.toString(port));
        p.setProperty("controller.port", Integer.toString(controllerPort));
        p.setProperty("sasl.port", Integer.toString(saslPort));
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "written by cairn-kafka-testkit; a restart on this directory reuses these ports");
        }
        Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
