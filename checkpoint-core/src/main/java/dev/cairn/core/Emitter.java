package dev.cairn.core;

/**
 * Where an operator sends its output. Only valid on the operator thread during {@link
 * Operator#process} (and {@link Operator#open}); records are sent behind everything emitted
 * earlier to the same output, so a checkpoint marker sent later follows them (FIFO per channel).
 */
public interface Emitter {
    /**
     * Sends a record to output {@code to}: a downstream operator id, or a sink name.
     *
     * @throws IllegalArgumentException if {@code to} is not an output of this operator
     */
    void emit(String to, byte[] key, byte[] value);
}
