package dev.cairn.core.topology;

/**
 * A directed channel {@code from -> to} between two operators: one single-partition topic, FIFO,
 * one writer.
 */
public record ChannelId(String from, String to) implements Comparable<ChannelId> {
    public ChannelId {
        if (from == null || to == null) {
            throw new IllegalArgumentException("channel endpoints must not be null: " + from + " -> " + to);
        }
    }

    public static ChannelId of(String from, String to) {
        return new ChannelId(from, to);
    }

    /** Parses the {@link #toString()} form {@code from->to}. */
    public static ChannelId parse(String text) {
        int arrow = text.indexOf("->");
        if (arrow <= 0 || arrow + 2 >= text.length() || text.indexOf("->", arrow + 2) >= 0) {
            throw new IllegalArgumentException("not a channel id (expected 'from->to'): '" + text + "'");
        }
        return new ChannelId(text.substring(0, arrow), text.substring(arrow + 2));
    }

    @Override
    public int compareTo(ChannelId o) {
        int c = from.compareTo(o.from);
        return c != 0 ? c : to.compareTo(o.to);
    }

    @Override
    public String toString() {
        return from + "->" + to;
    }
}
