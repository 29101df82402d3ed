package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.FileRef;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire format as docs/WIRE-FORMAT.md states it: byte layouts, and every malformed case. */
class WireFormatTest {

    @Test
    void dataMarkerAndEndRecordsRoundTripWithTheDocumentedBytes() {
        assertThat(WireFormat.epochBytes(3)).containsExactly(0, 0, 0, 3);
        assertThat(WireFormat.parse(WireFormat.dataHeaders(7), "t-0@1")).isEqualTo(
                new WireFormat.Parsed(7, WireFormat.Kind.DATA, 0));
        RecordHeaders marker = (RecordHeaders) WireFormat.markerHeaders(2, 258);
        assertThat(marker.lastHeader("cairn.marker").value()).containsExactly(0, 0, 0, 0, 0, 0, 1, 2);
        assertThat(WireFormat.parse(marker, "t-0@2")).isEqualTo(new WireFormat.Parsed(2, WireFormat.Kind.MARKER, 258));
        assertThat(WireFormat.parse(WireFormat.endHeaders(4), "t-0@3").kind()).isEqualTo(WireFormat.Kind.END);
    }

    @Test
    void headersOutsideTheNamespaceAreIgnored() {
        RecordHeaders h = (RecordHeaders) WireFormat.dataHeaders(1);
        h.add(new RecordHeader("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8)));
        assertThat(WireFormat.parse(h, "t-0@1").kind()).isEqualTo(WireFormat.Kind.DATA);
    }

    private static void assertMalformed(RecordHeaders h, String... fragments) {
        assertThatThrownBy(() -> WireFormat.parse(h, "chan-0@42")).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.MALFORMED_INPUT);
            assertThat(e.getMessage()).contains("record chan-0@42").contains(fragments);
        });
    }

    private static RecordHeaders headers(Object... kv) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(new RecordHeader((String) kv[i], (byte[]) kv[i + 1]));
        }
        return h;
    }

    @Test
    void everyMalformedCaseIsAnErrorNamingTheRecordAndTheHeader() {
        byte[] epoch = WireFormat.epochBytes(1);
        assertMalformed(headers(), "'cairn.epoch' is missing");
        assertMalformed(headers("cairn.epoch", new byte[]{1, 2, 3}), "'cairn.epoch' has 3 bytes");
        assertMalformed(headers("cairn.epoch", WireFormat.epochBytes(0)), "holds epoch 0");
        assertMalformed(headers("cairn.epoch", null), "'cairn.epoch' has no value");
        assertMalformed(headers("cairn.epoch", epoch, "cairn.marker", new byte[4]), "'cairn.marker' has 4 bytes");
        assertMalformed(headers("cairn.epoch", epoch, "cairn.marker", new byte[8]), "checkpoint id 0");
        assertMalformed(headers("cairn.epoch", epoch, "cairn.end", new byte[]{2}), "'cairn.end' must hold the single byte 1");
        assertMalformed(headers("cairn.epoch", epoch, "cairn.end", new byte[]{1}, "cairn.marker",
                new byte[]{0, 0, 0, 0, 0, 0, 0, 1}), "both");
        assertMalformed(headers("cairn.epoch", epoch, "cairn.priority", new byte[]{1}), "unknown header 'cairn.priority'");
    }

    @Test
    void controlMessagesRoundTripAndLeaveOutAbsentFields() {
        ControlMessage ack = ControlMessage.ack(3, "count.0", 42, new FileRef("chk-42/count.0/LOCAL", 100, 0xabcdefL));
        String json = new String(ack.encode(), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"type\":\"ACK\",\"epoch\":3").doesNotContain("roster").doesNotContain("reason");
        assertThat(ControlMessage.decode(ack.encode(), "c-0@1")).isEqualTo(ack);
        ControlMessage start = ControlMessage.start(4, 41, Map.of("a", "inc-1"));
        assertThat(ControlMessage.decode(start.encode(), "c-0@2")).isEqualTo(start);
        ControlMessage trigger = ControlMessage.trigger(4, 43, List.of("a"));
        assertThat(ControlMessage.decode(trigger.encode(), "c-0@3")).isEqualTo(trigger);
        ControlMessage committed = ControlMessage.committed(4, "out", 43);
        assertThat(new String(committed.encode(), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"COMMITTED\",\"epoch\":4,\"operator\":\"out\",\"checkpointId\":43}");
        assertThat(ControlMessage.decode(committed.encode(), "c-0@4")).isEqualTo(committed);
    }

    @Test
    void aControlMessageWithUnknownFieldsIsReadAndGarbageIsAClearError() {
        byte[] newer = "{\"type\":\"ABORT\",\"epoch\":2,\"checkpointId\":9,\"colour\":\"blue\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(ControlMessage.decode(newer, "c-0@1")).isEqualTo(ControlMessage.abort(2, 9));
        assertThatThrownBy(() -> ControlMessage.decode("not json".getBytes(StandardCharsets.UTF_8), "c-0@7"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.getMessage())
                        .contains("control record c-0@7 is not a cairn control message"));
        assertThatThrownBy(() -> ControlMessage.decode(null, "c-0@8")).hasMessageContaining("c-0@8 has no value");
    }
}
