package dev.cairn.core.simulation;

/**
 * One record of a simulated log (a channel, or an external topic). Like a Kafka record it has an
 * offset and headers (epoch, marker id) that survive crashes; {@code msgId} and {@code vc} are the
 * oracle's bookkeeping and never seen by the code under test.
 *
 * @param offset    position in its log
 * @param epoch     the writer's epoch (0 for external input)
 * @param marker    the checkpoint id if this is a marker, else 0
 * @param key       key bytes of a data record
 * @param value     value bytes of a data record
 * @param msgId     unique id of a data message (oracle)
 * @param vc        vector clock of the send event (oracle)
 */
public record SimRecord(long offset, int epoch, long marker, byte[] key, byte[] value, long msgId, long[] vc) {
    public boolean isMarker() {
        return marker != 0;
    }
}
