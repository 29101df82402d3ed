package dev.cairn.core;

import java.util.Iterator;

/** An iterator over state that holds resources until closed. */
public interface KeyValueIterator<K, V> extends Iterator<KeyValue<K, V>>, AutoCloseable {
    /** Releases the iterator; a second call does nothing. */
    @Override
    void close();
}
