package dev.cairn.core;

/** One entry of a {@link KeyedState}. */
public record KeyValue<K, V>(K key, V value) {
}
