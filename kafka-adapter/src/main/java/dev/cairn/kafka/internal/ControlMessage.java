package dev.cairn.kafka.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.FileRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A message on a job's control topic (one partition, so every process sees them in one order).
 * JSON, documented in docs/WIRE-FORMAT.md. Each carries the epoch it belongs to; receivers ignore
 * other epochs where the protocol says so.
 *
 * @param type         what it is
 * @param epoch        the epoch it belongs to (0 where none, e.g. a heartbeat before any epoch)
 * @param incarnation  the sender's incarnation (heartbeat, failure) or null
 * @param operators    operators concerned (heartbeat: hosted; trigger: triggered)
 * @param operator     the one operator concerned (ack, decline, failure, finished, committed)
 * @param checkpointId the checkpoint (trigger, complete, abort, ack, decline, committed; start: the restored one, 0 = fresh)
 * @param ref          ack: the local-snapshot descriptor
 * @param reason       decline, failure: why
 * @param roster       start: operator id to incarnation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlMessage(Type type, int epoch, String incarnation, List<String> operators, String operator,
                             long checkpointId, FileRef ref, String reason, Map<String, String> roster) {

    /** Message kinds. */
    public enum Type {
        /** process to coordinator: I am alive and host these operators. */
        HEARTBEAT,
        /** coordinator to all: epoch {@code epoch} begins from checkpoint {@code checkpointId} with {@code roster}. */
        START,
        TRIGGER, COMPLETE, ABORT,
        ACK, DECLINE,
        /** operator to coordinator: I failed in this epoch. */
        FAILED,
        /** operator to coordinator: every input of mine has ended (bounded job). */
        FINISHED,
        /**
         * operator to coordinator: my exactly-once sinks committed their output up to
         * {@code checkpointId} (the coordinator stops a finishing job only after this).
         */
        COMMITTED,
        /** coordinator to all: the job is over; stop. */
        STOP
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public static ControlMessage heartbeat(String incarnation, List<String> operators) {
        return new ControlMessage(Type.HEARTBEAT, 0, incarnation, operators, null, 0, null, null, null);
    }

    public static ControlMessage start(int epoch, long restored, Map<String, String> roster) {
        return new ControlMessage(Type.START, epoch, null, null, null, restored, null, null, roster);
    }

    public static ControlMessage trigger(int epoch, long id, List<String> operators) {
        return new ControlMessage(Type.TRIGGER, epoch, null, operators, null, id, null, null, null);
    }

    public static ControlMessage complete(int epoch, long upTo) {
        return new ControlMessage(Type.COMPLETE, epoch, null, null, null, upTo, null, null, null);
    }

    public static ControlMessage abort(int epoch, long id) {
        return new ControlMessage(Type.ABORT, epoch, null, null, null, id, null, null, null);
    }

    public static ControlMessage ack(int epoch, String operator, long id, FileRef ref) {
        return new ControlMessage(Type.ACK, epoch, null, null, operator, id, ref, null, null);
    }

    public static ControlMessage decline(int epoch, String operator, long id, String reason) {
        return new ControlMessage(Type.DECLINE, epoch, null, null, operator, id, null, reason, null);
    }

    public static ControlMessage failed(int epoch, String operator, String incarnation, String reason) {
        return new ControlMessage(Type.FAILED, epoch, incarnation, null, operator, 0, null, reason, null);
    }

    public static ControlMessage finished(int epoch, String operator) {
        return new ControlMessage(Type.FINISHED, epoch, null, null, operator, 0, null, null, null);
    }

    public static ControlMessage committed(int epoch, String operator, long upTo) {
        return new ControlMessage(Type.COMMITTED, epoch, null, null, operator, upTo, null, null, null);
    }

    public static ControlMessage stop(int epoch) {
        return new ControlMessage(Type.STOP, epoch, null, null, null, 0, null, null, null);
    }

    /** The job failed for good: every process stops. */
    public static ControlMessage stop(int epoch, String reason) {
        return new ControlMessage(Type.STOP, epoch, null, null, null, 0, null, reason, null);
    }

    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + this, e);
        }
    }

    /**
     * @param where names the record in errors
     * @throws CairnException MALFORMED_INPUT naming the record
     */
    public static ControlMessage decode(byte[] bytes, String where) {
        if (bytes == null) {
            throw new CairnException(CairnException.Reason.MALFORMED_INPUT, "control record " + where + " has no value");
        }
        try {
            ControlMessage m = JSON.readValue(bytes, ControlMessage.class);
            if (m.type() == null) {
                throw new IOException("no type");
            }
            return m;
        } catch (IOException e) {
            String text = new String(bytes, 0, Math.min(bytes.length, 120), StandardCharsets.UTF_8);
            throw new CairnException(CairnException.Reason.MALFORMED_INPUT, "control record " + where
                    + " is not a cairn control message (" + e.getMessage().lines().findFirst().orElse("") + "): " + text, e);
        }
    }
}
