package dev.cairn.state;

import dev.cairn.core.KeyValue;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serdes;
import dev.cairn.core.ValueState;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.storage.NioStorageFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed state API over RocksDB: point operations, scans, registration rules. */
class StateApiTest {
    @TempDir
    Path tmp;
    TestJob job;
    RocksDbStateBackend backend;
    OperatorStateStore store;

    @BeforeEach
    void open() {
        job = new TestJob(tmp.resolve("checkpoints"), new NioStorageFs());
        backend = RocksDbStateBackend.builder().localDirectory(tmp.resolve("local")).build();
        store = backend.open(TestJob.OP, Optional.empty(), job.storage);
    }

    @AfterEach
    void close() {
        store.close();
        job.close();
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    static List<String> keysOf(KeyValueIterator<byte[], String> it) {
        List<String> keys = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                keys.add(HexFormat.of().formatHex(it.next().key()));
            }
        }
        return keys;
    }

    @Test
    void keyedStateGetsPutsAndDeletes() {
        KeyedState<String, Long> s = store.keyed("balances", Serdes.string(), Serdes.longs());
        assertThat(s.get("alice")).isNull();
        s.put("alice", 10L);
        s.put("bob", -3L);
        s.put("alice", 12L);
        assertThat(s.get("alice")).isEqualTo(12L);
        assertThat(s.get("bob")).isEqualTo(-3L);
        s.delete("bob");
        assertThat(s.get("bob")).isNull();
        s.put("alice", null);
        assertThat(s.get("alice")).as("a null value deletes").isNull();
    }

    @Test
    void scansFollowUnsignedByteOrderOfSerializedKeys() {
        KeyedState<byte[], String> s = store.keyed("bytes", Serdes.bytes(), Serdes.string());
        for (String k : List.of("ff00", "80", "01", "ff", "7f", "fe01")) {
            s.put(hex(k), k);
        }
        assertThat(keysOf(s.all())).containsExactly("01", "7f", "80", "fe01", "ff", "ff00");
        assertThat(keysOf(s.range(hex("7f"), hex("ff")))).containsExactly("7f", "80", "fe01");
        assertThat(keysOf(s.range(null, hex("80")))).containsExactly("01", "7f");
        assertThat(keysOf(s.range(hex("fe"), null))).containsExactly("fe01", "ff", "ff00");
        assertThat(keysOf(s.prefixScan(hex("ff")))).containsExactly("ff", "ff00");
        assertThat(keysOf(s.prefixScan(hex("fe")))).containsExactly("fe01");
        assertThat(keysOf(s.prefixScan(hex("02")))).isEmpty();
    }

    @Test
    void longKeysScanInNumericOrder() {
        KeyedState<Long, String> s = store.keyed("numbers", Serdes.longs(), Serdes.string());
        for (long k : new long[]{5, -1, Long.MIN_VALUE, 0, Long.MAX_VALUE, -300}) {
            s.put(k, Long.toString(k));
        }
        List<Long> keys = new ArrayList<>();
        try (KeyValueIterator<Long, String> it = s.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key()));
        }
        assertThat(keys).containsExactly(Long.MIN_VALUE, -300L, -1L, 0L, 5L, Long.MAX_VALUE);
    }

    @Test
    void aScanSeesTheStateAsItWasWhenItStarted() {
        KeyedState<String, String> s = store.keyed("words", Serdes.string(), Serdes.string());
        s.put("a", "1");
        s.put("b", "2");
        s.put("c", "3");
        List<KeyValue<String, String>> seen = new ArrayList<>();
        try (KeyValueIterator<String, String> it = s.all()) {
            seen.add(it.next());
            s.delete("b");
            s.put("c", "changed");
            s.put("d", "4");
            it.forEachRemaining(seen::add);
        }
        assertThat(seen).containsExactly(new KeyValue<>("a", "1"), new KeyValue<>("b", "2"), new KeyValue<>("c", "3"));
        assertThat(s.get("c")).isEqualTo("changed");
    }

    @Test
    void closingTheStoreClosesOpenIteratorsAndDeletesItsDirectory() {
        KeyedState<String, String> s = store.keyed("words", Serdes.string(), Serdes.string());
        s.put("a", "1");
        KeyValueIterator<String, String> it = s.all();
        assertThat(it.hasNext()).isTrue();
        store.close();
        assertThat(it.hasNext()).as("an iterator closed with its store").isFalse();
        it.close();
        store.close();
        assertThat(tmp.resolve("local")).isEmptyDirectory();
        assertThatThrownBy(() -> s.get("a")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void valueStateSetsGetsAndClears() {
        ValueState<Long> v = store.value("balance", Serdes.longs());
        assertThat(v.get()).isNull();
        assertThat(v.getOrDefault(7L)).isEqualTo(7L);
        v.set(42L);
        assertThat(store.value("balance", Serdes.longs()).get()).isEqualTo(42L);
        v.clear();
        assertThat(v.get()).isNull();
    }

    @Test
    void registrationChecksNamesAndKinds() {
        KeyedState<String, String> a = store.keyed("a", Serdes.string(), Serdes.string());
        assertThat(store.keyed("a", Serdes.string(), Serdes.string())).isSameAs(a);
        assertThatThrownBy(() -> store.value("a", Serdes.string())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'").hasMessageContaining("keyed");
        assertThatThrownBy(() -> store.keyed("x,y", Serdes.string(), Serdes.string()))
                .isInstanceOf(IllegalArgumentException.class);
        store.value("default", Serdes.string()).set("not RocksDB's default column family");
        assertThat(store.stateNames()).containsExactly("a", "default");
    }

    @Test
    void restoredStoreKnowsNamesAndKindsBeforeRegistration() throws Exception {
        store.keyed("counts", Serdes.string(), Serdes.longs()).put("x", 1L);
        store.value("balance", Serdes.longs()).set(5L);
        StateHandle h = TestJob.handle(job.checkpoint(store));
        assertThat(h.layout()).containsExactly("balance", "counts");
        assertThat(h.backend()).isEqualTo(RocksDbStateBackend.NAME);
        try (OperatorStateStore restored = backend.open(TestJob.OP, Optional.of(h), job.storage)) {
            assertThat(restored.stateNames()).containsExactly("balance", "counts");
            assertThatThrownBy(() -> restored.keyed("balance", Serdes.string(), Serdes.longs()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(restored.value("balance", Serdes.longs()).get()).isEqualTo(5L);
            assertThat(restored.keyed("counts", Serdes.string(), Serdes.longs()).get("x")).isEqualTo(1L);
        }
        try (var s = Files.list(tmp.resolve("local"))) {
            assertThat(s).as("only the first store's directory is left").hasSize(1);
        }
    }

    @Test
    void refusesAHandleOfAnotherBackend() {
        StateHandle memory = new StateHandle("memory", List.of(), java.util.Map.of());
        assertThatThrownBy(() -> backend.open(TestJob.OP, Optional.of(memory), job.storage))
                .isInstanceOf(dev.cairn.core.CairnException.class).hasMessageContaining("'memory'");
    }

    @Test
    void builderRejectsBadValuesNamingTheSetting() {
        assertThatThrownBy(() -> RocksDbStateBackend.builder().writeBufferSize(10))
                .hasMessageContaining("writeBufferSize").hasMessageContaining("10");
        assertThatThrownBy(() -> RocksDbStateBackend.builder().blockCacheSize(-1))
                .hasMessageContaining("blockCacheSize");
    }
}
