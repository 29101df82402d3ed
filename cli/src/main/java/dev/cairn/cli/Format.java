package dev.cairn.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the commands print sizes, times and JSON: the same everywhere, in UTC, locale-independent. */
public final class Format {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter TEXT_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Format() {
    }

    /** A new JSON object; fields keep the order they are put in. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Pretty-printed JSON with {@code \n} line ends. */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value).replace("\r\n", "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** ISO-8601 UTC with milliseconds, for JSON: {@code 2026-01-01T00:00:00.003Z}. */
    public static String isoTime(long millis) {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    /** For people: {@code 2026-01-01 00:00:00Z}. */
    public static String time(long millis) {
        return TEXT_TIME.format(Instant.ofEpochMilli(millis));
    }

    /** {@code 999 B}, {@code 1.5 KiB}, {@code 12.0 MiB}, ... */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code 850 ms}, {@code 1.25 s}, {@code 2.0 min}. */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 120_000) {
            return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
        }
        return String.format(Locale.ROOT, "%.1f min", millis / 60_000.0);
    }
}
