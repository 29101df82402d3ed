package dev.cairn.core;

/** A single checkpointed value. Operator thread only. */
public interface ValueState<V> {
    /** The value, or {@code null} if never set or cleared. */
    V get();

    /** Same as {@link #get()}, with a default for an unset value. */
    default V getOrDefault(V defaultValue) {
        V v = get();
        return v == null ? defaultValue : v;
    }

    void set(V value);

    void clear();
}
