package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.topology.ChannelId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathSegmentsTest {

    @Test
    void encodesIdsIntoSingleSafeSegmentsAvoidingStorageNames() {
        assertThat(PathSegments.operator("enrich-orders.v2")).isEqualTo("enrich-orders.v2");
        assertThat(PathSegments.operator("a/b")).isEqualTo("a%2Fb");
        assertThat(PathSegments.operator("..")).isEqualTo("%2E.");
        assertThat(PathSegments.operator("über")).isEqualTo("%C3%BCber");
        assertThat(PathSegments.operator("channels")).isEqualTo("%63hannels");
        assertThat(PathSegments.operator("MANIFEST")).isEqualTo("%4DANIFEST");
        assertThat(PathSegments.privateName("LOCAL")).isEqualTo("%4COCAL");
        assertThat(PathSegments.privateName("db/LOCAL")).isEqualTo("db/LOCAL");
        assertThatThrownBy(() -> PathSegments.privateName("a//b")).hasMessageContaining("empty segment");
    }

    @Test
    void encodingIsInjectiveAndChannelNamesAreUnambiguous() {
        Random random = new Random(7);
        String alphabet = "a-./%A_";
        Map<String, String> seen = new HashMap<>();
        Map<String, ChannelId> channels = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            String a = randomId(random, alphabet);
            String b = randomId(random, alphabet);
            String encoded = PathSegments.operator(a);
            assertThat(encoded).matches("[A-Za-z0-9_%][A-Za-z0-9._%-]*").doesNotContain("--").doesNotEndWith("-");
            String earlier = seen.putIfAbsent(encoded, a);
            assertThat(earlier == null || earlier.equals(a)).as("%s and %s both encode to %s", earlier, a, encoded).isTrue();
            ChannelId channel = ChannelId.of(a, b);
            ChannelId other = channels.putIfAbsent(PathSegments.channel(channel), channel);
            assertThat(other == null || other.equals(channel)).as("%s and %s share a file", other, channel).isTrue();
        }
        assertThat(PathSegments.channel(ChannelId.of("a--b", "c"))).isNotEqualTo(PathSegments.channel(ChannelId.of("a", "b--c")));
    }

    private static String randomId(Random random, String alphabet) {
        int length = 1 + random.nextInt(5);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "..", ".hidden", "", "-x", "a b", "bank\\x"})
    void rejectsJobIdsThatAreNotSafeDirectoryNames(String id) {
        assertThatThrownBy(() -> PathSegments.checkJobId(id))
                .isInstanceOfSatisfying(CairnException.class,
                        e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.CONFIGURATION))
                .hasMessageContaining("job id '" + id + "'");
    }

    @Test
    void acceptsOrdinaryJobIdsAndOnlyCanonicalCheckpointDirectories() {
        assertThat(PathSegments.checkJobId("bank-2.prod_eu")).isEqualTo("bank-2.prod_eu");
        assertThat(PathSegments.parseCheckpointId("chk-42")).isEqualTo(42);
        assertThat(PathSegments.parseCheckpointId("chk-042")).isEqualTo(-1);
        assertThat(PathSegments.parseCheckpointId("chk-")).isEqualTo(-1);
        assertThat(PathSegments.parseCheckpointId("chk-abc")).isEqualTo(-1);
        assertThat(PathSegments.parseCheckpointId("chk-9999999999999999999")).isEqualTo(-1);
    }
}
