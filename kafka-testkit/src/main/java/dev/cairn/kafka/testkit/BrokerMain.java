package dev.cairn.kafka.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an {@link EmbeddedKafkaBroker} as a process of its own (see {@link BrokerProcess}).
 *
 * <pre>
 * java -cp CLASSPATH dev.cairn.kafka.testkit.BrokerMain --data-dir DIR [--port P] [--config FILE]
 *      [--two-phase-commit] [--exit-on-stdin-eof]
 * </pre>
 *
 * <ul>
 *   <li>When the broker answers, prints exactly one line {@value #READY_PREFIX}{@code host:port} to
 *       stdout (the PLAINTEXT bootstrap address).</li>
 *   <li>{@code FILE} is a properties file: {@code broker.<name>=<value>} is a broker property,
 *       {@code sasl.user.<name>=<password>} a SASL/PLAIN user. Credentials go in this file, never on
 *       the command line, where any user of the machine could read them.</li>
 *   <li>SIGTERM shuts the broker down cleanly, prints {@value #STOPPED_LINE} and exits with 143; with
 *       {@code --exit-on-stdin-eof} the broker also shuts down when stdin closes, that is when the
 *       parent process died.</li>
 *   <li>A failure to start prints {@value #FAILED_PREFIX}{@code <reason>} and exits with code 1.</li>
 * </ul>
 */
public final class BrokerMain {
    public static final String READY_PREFIX = "cairn-broker ready ";
    public static final String FAILED_PREFIX = "cairn-broker failed: ";
    public static final String STOPPED_LINE = "cairn-broker stopped cleanly";

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
        boolean exitOnStdinEof = false;
        boolean hasDataDir = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> {
                    builder.dataDir(Path.of(value(args, ++i, "--data-dir")));
                    hasDataDir = true;
                }
                case "--port" -> builder.port(Integer.parseInt(value(args, ++i, "--port")));
                case "--config" -> applyConfig(builder, Path.of(value(args, ++i, "--config")));
                case "--two-phase-commit" -> builder.twoPhaseCommit(true);
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (!hasDataDir) {
            usage("--data-dir is required (a broker process exists to be restarted on its data)");
        }

        EmbeddedKafkaBroker broker;
        try {
            broker = builder.start();
        } catch (RuntimeException e) {
            System.out.println(FAILED_PREFIX + e.getMessage());
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            System.out.println(STOPPED_LINE);
            System.out.flush();
            stopped.countDown();
        }, "cairn-broker-shutdown"));
        System.out.println(READY_PREFIX + broker.bootstrapServers());
        System.out.flush();

        if (exitOnStdinEof) {
            Thread watch = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    while (in.read() >= 0) {
                        // the parent writes nothing; wait for its end
                    }
                } catch (IOException ignored) {
                    // a broken pipe means the parent is gone, as EOF does
                }
                System.exit(0);
            }, "cairn-broker-parent-watch");
            watch.setDaemon(true);
            watch.start();
        }
        stopped.await();
    }

    private static void applyConfig(EmbeddedKafkaBroker.Builder builder, Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("broker.")) {
                builder.brokerProperty(key.substring("broker.".length()), p.getProperty(key));
            } else if (key.startsWith("sasl.user.")) {
                builder.saslUser(key.substring("sasl.user.".length()), p.getProperty(key));
            } else {
                usage("unknown key '" + key + "' in " + file + " (expected broker.* or sasl.user.*)");
            }
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.out.println(FAILED_PREFIX + problem);
        System.out.println("usage: BrokerMain --data-dir DIR [--port P] [--config FILE] [--two-phase-commit] [--exit-on-stdin-eof]");
        System.out.flush();
        System.exit(2);
    }
}
