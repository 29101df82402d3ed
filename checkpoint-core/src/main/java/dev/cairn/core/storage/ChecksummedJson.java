package dev.cairn.core.storage;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.core.manifest.Manifest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The envelope shared by every file cairn writes about a job: pretty-printed UTF-8 JSON whose first
 * field is {@code "formatVersion"}, second {@code "kind"}, and whose last field is
 * {@code "checksum" : "<8 lower-case hex digits>"}: the CRC32C of the exact bytes from the start of
 * the file up to, not including, the {@code "checksum"} key. The file ends exactly with
 * {@code "checksum" : "xxxxxxxx"\n}\n}. Any single changed byte is detected: inside the covered
 * part by the CRC (which catches every burst of up to 32 bits), in the tail by its fixed shape.
 *
 * <p>The envelope is the same in every format version, so that a reader recognizes a file written
 * by a newer cairn as such, rather than as garbage: the checksum is verified on the raw bytes
 * first, then the version is read, and only then the body is interpreted.
 *
 * <p>Reading is strict where a lax parser could misread: duplicate keys, missing fields, nulls
 * (except where a field documents them), numbers given as strings, fractions where integers are
 * expected, and unknown enum values are all errors. Unknown fields are ignored: a writer of the
 * same format version may add fields that a reader can safely ignore; any other change bumps the
 * version (docs/MANIFEST-FORMAT.md).
 */
final class ChecksummedJson {

    static final int CURRENT_VERSION = Manifest.CURRENT_FORMAT_VERSION;

    private static final byte[] KEY = "\"checksum\" : \"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\"\n}\n".getBytes(StandardCharsets.US_ASCII);
    private static final int TAIL = KEY.length + 8 + END.length;
    private static final String HEAD = "{\n  \"formatVersion\" : ";

    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .defaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL))
            .build();

    // Explicit "\n" line ends: the default pretty printer uses the platform's, and the bytes of the
    // file must not depend on where it was written.
    private static final ObjectWriter WRITER = MAPPER.writer(
            new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private ChecksummedJson() {
    }

    /** Serializes a document record (first components formatVersion and kind) with its checksum. */
    static byte[] encode(Object document) {
        String body;
        try {
            body = WRITER.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize " + document.getClass().getSimpleName(), e);
        }
        if (!body.startsWith(HEAD) || !body.endsWith("\n}")) {
            throw new IllegalStateException("unexpected JSON layout for " + document.getClass().getSimpleName());
        }
        byte[] covered = (body.substring(0, body.length() - 2) + ",\n  ").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(covered.length + TAIL);
        out.writeBytes(covered);
        out.writeBytes(KEY);
        out.writeBytes(hex(crc32c(covered, covered.length)).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(END);
        return out.toByteArray();
    }

    /**
     * Verifies the envelope and reads the document.
     *
     * @param kind the expected value of the "kind" field
     */
    static <T> T decode(byte[] bytes, Class<T> type, String kind) throws RecordFormatException {
        JsonNode tree = verify(bytes, kind);
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is not a valid " + kind + " file",
                    describe(e), e);
        }
    }

    /** Checks the tail, the checksum, the version and the kind; returns the body without the checksum. */
    static ObjectNode verify(byte[] bytes, String kind) throws RecordFormatException {
        if (bytes.length < TAIL + 2 || !wellFormedTail(bytes)) {
            throw new RecordFormatException(RecordFormatException.Fault.TRUNCATED,
                    "is truncated or damaged", "it does not end with its checksum field; " + bytes.length + " bytes");
        }
        int coveredLength = bytes.length - TAIL;
        String stored = new String(bytes, coveredLength + KEY.length, 8, StandardCharsets.US_ASCII);
        String computed = hex(crc32c(bytes, coveredLength));
        if (!stored.equals(computed)) {
            throw new RecordFormatException(RecordFormatException.Fault.CHECKSUM_MISMATCH, "checksum mismatch",
                    "expected " + stored + ", found " + computed);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is not valid JSON", describe(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is not a JSON object", null);
        }
        ObjectNode object = (ObjectNode) tree;
        Iterator<String> names = object.fieldNames();
        JsonNode version = object.get("formatVersion");
        if (!names.hasNext() || !names.next().equals("formatVersion") || !version.isIntegralNumber()
                || !version.canConvertToInt()) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED,
                    "does not start with an integer formatVersion", null);
        }
        int v = version.intValue();
        if (v > CURRENT_VERSION) {
            throw new RecordFormatException(RecordFormatException.Fault.NEWER_FORMAT,
                    "was written by a newer cairn (format " + v + ")",
                    "this build reads up to format " + CURRENT_VERSION);
        }
        if (v < 1) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "has an invalid formatVersion",
                    "format " + v);
        }
        JsonNode k = object.get("kind");
        if (k == null || !k.isTextual() || !k.textValue().equals(kind)) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is not a " + kind + " file",
                    "its kind is " + (k == null ? "missing" : k.toString()));
        }
        object.remove("checksum");
        return object;
    }

    private static boolean wellFormedTail(byte[] bytes) {
        int start = bytes.length - TAIL;
        for (int i = 0; i < KEY.length; i++) {
            if (bytes[start + i] != KEY[i]) {
                return false;
            }
        }
        for (int i = 0; i < 8; i++) {
            byte b = bytes[start + KEY.length + i];
            if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
                return false;
            }
        }
        for (int i = 0; i < END.length; i++) {
            if (bytes[start + KEY.length + 8 + i] != END[i]) {
                return false;
            }
        }
        return true;
    }

    static long crc32c(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    static String hex(long crc) {
        return String.format(Locale.ROOT, "%08x", crc);
    }

    private static String describe(Exception e) {
        if (e instanceof JsonProcessingException j) {
            String where = j.getLocation() == null ? ""
                    : " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
            return j.getOriginalMessage() + where;
        }
        return String.valueOf(e.getMessage());
    }
}
