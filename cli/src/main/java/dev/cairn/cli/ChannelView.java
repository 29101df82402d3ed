package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The channel state of one channel {@code from -> to} in a checkpoint, put together from both ends:
 * the receiver's recorded position and copied records, the sender's marker offset. The in-flight
 * range is {@code [receiverPosition, senderMarkerOffset)} (DESIGN.md, "channel state"); in copy mode
 * the records of that range that were data are in {@code file}, in reference mode they stay on the
 * topic.
 *
 * @param channel            {@code from->to}
 * @param from               the sender
 * @param to                 the receiver
 * @param mode               how the receiver kept the in-flight records, or null if it has no snapshot
 * @param receiverPosition   the receiver's position on the channel, or null if not recorded
 * @param senderMarkerOffset the offset of the checkpoint's marker on the channel, or null if not recorded
 * @param records            in-flight records counted by the receiver, or null when not known (reference mode)
 * @param bytes              their bytes, or null when not known
 * @param file               the channel-state file (copy mode, when something was in flight), or null
 */
public record ChannelView(String channel, String from, String to, InFlightMode mode, Long receiverPosition,
                          Long senderMarkerOffset, Long records, Long bytes, FileRef file) {

    /** Every channel of the manifest's topology (and any other an input names), sorted. */
    public static List<ChannelView> of(Manifest m) {
        TreeSet<String> channels = new TreeSet<>(m.topology().channels());
        for (LocalSnapshot s : m.operators().values()) {
            channels.addAll(s.inputs().keySet());
            channels.addAll(s.outputs().keySet());
        }
        List<ChannelView> views = new ArrayList<>();
        for (String channel : channels) {
            String[] ends = endpoints(channel, m.topology().operators());
            LocalSnapshot sender = m.operators().get(ends[0]);
            LocalSnapshot receiver = m.operators().get(ends[1]);
            InputSnapshot in = receiver == null ? null : receiver.inputs().get(channel);
            Long marker = sender == null ? null : sender.outputs().get(channel);
            views.add(new ChannelView(channel, ends[0], ends[1], receiver == null ? null : receiver.inFlightMode(),
                    in == null ? null : in.position(), marker,
                    in == null || in.inFlightRecords() < 0 ? null : in.inFlightRecords(),
                    in == null || in.inFlightBytes() < 0 ? null : in.inFlightBytes(),
                    in == null ? null : in.channelState()));
        }
        return views;
    }

    /**
     * Splits {@code from->to}. Operator ids may themselves contain "->", so the split chosen is the
     * one whose both sides are operators of the topology; failing that, the first arrow.
     */
    static String[] endpoints(String channel, Collection<String> operators) {
        for (int i = channel.indexOf("->"); i >= 0; i = channel.indexOf("->", i + 1)) {
            String from = channel.substring(0, i);
            String to = channel.substring(i + 2);
            if (operators.contains(from) && operators.contains(to)) {
                return new String[] {from, to};
            }
        }
        int i = channel.indexOf("->");
        return i < 0 ? new String[] {channel, ""} : new String[] {channel.substring(0, i), channel.substring(i + 2)};
    }

    /** The number of offsets in the in-flight range, or null if an end is unknown. */
    public Long rangeLength() {
        return receiverPosition == null || senderMarkerOffset == null
                ? null : Math.max(0, senderMarkerOffset - receiverPosition);
    }

    /** {@code [30, 51)}, with {@code ?} for an unknown end. */
    public String range() {
        return "[" + (receiverPosition == null ? "?" : receiverPosition) + ", "
                + (senderMarkerOffset == null ? "?" : senderMarkerOffset) + ")";
    }

    /** What was in flight, for people: the record count (copy) or the offset range (reference). */
    public String describe() {
        if (mode == InFlightMode.REFERENCE || (mode == null && records == null)) {
            Long n = rangeLength();
            return "offsets " + range() + (n == null ? "" : " on the topic (at most " + records(n) + ")");
        }
        String what = (records == null ? "? records" : records(records)) + (bytes == null ? "" : ", " + Format.bytes(bytes));
        return what + (file == null ? "" : " in " + file.path() + " (" + Format.bytes(file.size()) + ")")
                + "  offsets " + range();
    }

    /** "1 record", "2 records". */
    public static String records(long n) {
        return n + (n == 1 ? " record" : " records");
    }

    /** The JSON form documented in cli/README.md. */
    public ObjectNode toJson() {
        ObjectNode o = Format.object();
        o.put("channel", channel);
        o.put("from", from);
        o.put("to", to);
        o.put("mode", mode == null ? null : mode.name());
        o.put("receiverPosition", receiverPosition);
        o.put("senderMarkerOffset", senderMarkerOffset);
        o.put("records", records);
        o.put("bytes", bytes);
        if (file == null) {
            o.putNull("file");
        } else {
            ObjectNode f = o.putObject("file");
            f.put("path", file.path());
            f.put("size", file.size());
            f.put("crc32c", file.crc32cHex());
        }
        return o;
    }
}
