package dev.cairn.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Common serdes. Numbers are big-endian with the sign bit flipped, so byte order is numeric order. */
public final class Serdes {
    private Serdes() {
    }

    private static final Serde<String> STRING = new Serde<>() {
        @Override
        public byte[] serialize(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    private static final Serde<Long> LONG = new Serde<>() {
        @Override
        public byte[] serialize(Long value) {
            return ByteBuffer.allocate(Long.BYTES).putLong(value ^ Long.MIN_VALUE).array();
        }

        @Override
        public Long deserialize(byte[] bytes) {
            requireLength(bytes, Long.BYTES, "long");
            return ByteBuffer.wrap(bytes).getLong() ^ Long.MIN_VALUE;
        }
    };

    private static final Serde<Integer> INT = new Serde<>() {
        @Override
        public byte[] serialize(Integer value) {
            return ByteBuffer.allocate(Integer.BYTES).putInt(value ^ Integer.MIN_VALUE).array();
        }

        @Override
        public Integer deserialize(byte[] bytes) {
            requireLength(bytes, Integer.BYTES, "int");
            return ByteBuffer.wrap(bytes).getInt() ^ Integer.MIN_VALUE;
        }
    };

    private static final Serde<byte[]> BYTES = new Serde<>() {
        @Override
        public byte[] serialize(byte[] value) {
            return value;
        }

        @Override
        public byte[] deserialize(byte[] bytes) {
            return bytes;
        }
    };

    /** UTF-8 strings. */
    public static Serde<String> string() {
        return STRING;
    }

    /** 8-byte longs, ordered numerically by their bytes. */
    public static Serde<Long> longs() {
        return LONG;
    }

    /** 4-byte ints, ordered numerically by their bytes. */
    public static Serde<Integer> ints() {
        return INT;
    }

    /** Bytes as they are. */
    public static Serde<byte[]> bytes() {
        return BYTES;
    }

    private static void requireLength(byte[] bytes, int expected, String type) {
        if (bytes == null || bytes.length != expected) {
            throw new IllegalArgumentException("cannot read a " + type + " from "
                    + (bytes == null ? "null" : bytes.length + " bytes") + "; expected " + expected);
        }
    }
}
