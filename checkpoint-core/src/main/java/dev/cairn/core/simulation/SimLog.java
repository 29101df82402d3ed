package dev.cairn.core.simulation;

import java.util.ArrayList;
import java.util.List;

/** An append-only log with offsets, as a single-partition Kafka topic is. Survives crashes. */
public final class SimLog {
    private final String name;
    private final List<SimRecord> records = new ArrayList<>();

    public SimLog(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public long append(int epoch, long marker, byte[] key, byte[] value, long msgId, long[] vc) {
        long offset = records.size();
        records.add(new SimRecord(offset, epoch, marker, key, value, msgId, vc));
        return offset;
    }

    public SimRecord get(long offset) {
        return records.get(Math.toIntExact(offset));
    }

    /** The offset the next record will get. */
    public long end() {
        return records.size();
    }
}
