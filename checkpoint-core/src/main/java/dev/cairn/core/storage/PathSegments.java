package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.topology.ChannelId;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How ids become file names, and which relative paths a checkpoint may reference.
 *
 * <p>Operator ids and file names are arbitrary strings, so they are percent-encoded into single,
 * safe path segments: letters, digits, '_', '.' and '-' stay; every other byte of the UTF-8 form
 * becomes {@code %XX}. On top of that, a leading '.' (no "." / ".." / hidden names), a leading or
 * trailing '-' and the second '-' of "--" are escaped, so an encoded id never contains "--" and
 * {@code <from>--<to>} names a channel unambiguously; and a name that would collide with one of
 * storage's own names ({@code channels}, {@code MANIFEST...}, {@code LOCAL...}) gets its first
 * character escaped. The encoding is injective (it decodes back), so two operators never share a
 * directory — except on case-insensitive file systems, where ids differing only in case collide.
 */
final class PathSegments {

    /** Longest encoded segment we create; file systems allow 255 bytes and we append suffixes. */
    static final int MAX_SEGMENT = 200;

    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-[1-9][0-9]{0,18}");

    private PathSegments() {
    }

    /** Checks that a job id can be used as a directory name as it is. */
    static String checkJobId(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "job id '" + jobId
                    + "' is not a safe directory name: use 1 to 200 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        return jobId;
    }

    /** The directory name of an operator inside {@code chk-<id>/} and {@code shared/}. */
    static String operator(String operatorId) {
        return encode(operatorId, "operator id", true, false);
    }

    /** The file name of a channel-state file inside {@code chk-<id>/channels/}. */
    static String channel(ChannelId channel) {
        return encode(channel.from(), "channel " + channel, false, false) + "--"
                + encode(channel.to(), "channel " + channel, false, false);
    }

    /** A private file name, which may contain '/': each segment encoded. */
    static String privateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("private file name must not be empty");
        }
        String[] parts = name.split("/", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            if (parts[i].isEmpty()) {
                throw new IllegalArgumentException("private file name '" + name + "' has an empty segment");
            }
            out.append(encode(parts[i], "private file name", false, i == 0));
        }
        return out.toString();
    }

    /** A single file-name segment (e.g. the base name of a shared file). */
    static String single(String name, String what) {
        return encode(name, what, false, false);
    }

    private static String encode(String raw, String what, boolean operatorLevel, boolean insideOperatorDir) {
        if (raw == null || raw.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean safe = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '.' || b == '-';
            if (b == '.' && i == 0) {
                safe = false;
            }
            if (b == '-' && (i == 0 || i == bytes.length - 1 || bytes[i - 1] == '-')) {
                safe = false;
            }
            if (safe) {
                out.append((char) b);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b));
            }
        }
        String lower = out.toString().toLowerCase(Locale.ROOT);
        boolean reserved = (operatorLevel && (lower.equals(LocalCheckpointStorage.CHANNELS)
                || lower.startsWith("manifest")))
                || (insideOperatorDir && lower.startsWith("local"));
        if (reserved) {
            out.replace(0, 1, String.format(Locale.ROOT, "%%%02X", (int) out.charAt(0)));
        }
        if (out.length() > MAX_SEGMENT) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, what + " '" + raw
                    + "' is too long to be a file name (" + out.length() + " characters encoded, at most "
                    + MAX_SEGMENT + ")");
        }
        return out.toString();
    }

    /** True for {@code chk-<id>} with a canonical positive decimal id. */
    static boolean isCheckpointDirectory(String name) {
        return CHECKPOINT_DIR.matcher(name).matches() && parseCheckpointId(name) > 0;
    }

    /** The id of a {@code chk-<id>} name, or -1. */
    static long parseCheckpointId(String name) {
        if (!CHECKPOINT_DIR.matcher(name).matches()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(4));
        } catch (NumberFormatException e) {
            return -1; // beyond Long.MAX_VALUE
        }
    }

    /**
     * What is wrong with a path a checkpoint references, or {@code null} if nothing is. A valid
     * path is relative to the job root, uses '/', has no empty, "." or ".." segment, no backslash,
     * ':' or control character, and lies under {@code chk-<id>/} or {@code shared/}.
     */
    static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "an empty path";
        }
        if (path.startsWith("/")) {
            return "'" + path + "', an absolute path outside the job root";
        }
        if (path.indexOf('\\') >= 0) {
            return "'" + path + "', which contains a backslash";
        }
        if (path.indexOf(':') >= 0) {
            return "'" + path + "', which contains ':' (a drive or stream name)";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "'" + printable(path) + "', which contains a control character";
            }
        }
        String[] parts = path.split("/", -1);
        for (String part : parts) {
            if (part.isEmpty()) {
                return "'" + path + "', which has an empty segment";
            }
            if (part.equals("..")) {
                return "'" + path + "', which contains '..' and escapes the job root";
            }
            if (part.equals(".")) {
                return "'" + path + "', which contains a '.' segment";
            }
        }
        if (parts.length < 2 || !(parts[0].equals(LocalCheckpointStorage.SHARED) || isCheckpointDirectory(parts[0]))) {
            return "'" + path + "', which lies outside chk-<id>/ and shared/";
        }
        return null;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
