package dev.cairn.cli.demo;

/**
 * The embedded broker logs its own start-up and shutdown at WARN (e.g. an empty metadata log on the
 * first start): noise for a demo's user. Unless set otherwise with -D, its loggers print errors
 * only; cairn's own warnings still show. Must run before the broker's classes make their loggers.
 */
final class DemoLogging {
    private DemoLogging() {
    }

    static void quietBroker() {
        for (String logger : new String[] {"org.apache.kafka", "kafka"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "error");
            }
        }
    }
}
