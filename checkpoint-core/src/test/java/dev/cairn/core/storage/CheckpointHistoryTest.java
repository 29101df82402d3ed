package dev.cairn.core.storage;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointHistoryTest {

    @Test
    void appendedEntriesReadBackInOrderAndSurviveACrash() {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        CheckpointStorage storage = Fixtures.open(fs);
        storage.appendHistory(new CheckpointHistoryEntry(1, 1, CheckpointHistoryEntry.COMPLETED, 10, 5, 100, 2, null));
        storage.appendHistory(new CheckpointHistoryEntry(2, 1, CheckpointHistoryEntry.FAILED, 20, 7, 0, 0, "declined by 'a'"));
        fs.crash();
        assertThat(Fixtures.open(fs).history()).extracting(CheckpointHistoryEntry::checkpointId).containsExactly(1L, 2L);
        assertThat(Fixtures.open(fs).history().get(1).reason()).isEqualTo("declined by 'a'");
    }

    @Test
    void aTornLastLineIsSkippedNotFatal() throws Exception {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        LocalCheckpointStorage storage = Fixtures.open(fs);
        storage.appendHistory(new CheckpointHistoryEntry(1, 1, CheckpointHistoryEntry.COMPLETED, 10, 5, 100, 2, null));
        Path file = storage.jobDirectory().resolve("HISTORY.jsonl");
        try (OutputStream out = fs.append(file)) {
            out.write("{\"checkpointId\":2,\"ep".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(storage.history()).extracting(CheckpointHistoryEntry::checkpointId).containsExactly(1L);
    }

    @Test
    void aFailingHistoryWriteIsNotAnError() {
        FaultInjectingFs fs = new FaultInjectingFs(new CrashSimulatingFs());
        CheckpointStorage storage = Fixtures.open(fs);
        fs.failWrites();
        storage.appendHistory(new CheckpointHistoryEntry(1, 1, CheckpointHistoryEntry.COMPLETED, 10, 5, 100, 2, null));
        fs.heal();
        assertThat(storage.history()).isEmpty();
    }

    @Test
    void theHistoryFileIsNotJunkInTheJobDirectory() {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        CheckpointStorage storage = Fixtures.open(fs);
        storage.appendHistory(new CheckpointHistoryEntry(1, 1, CheckpointHistoryEntry.COMPLETED, 10, 5, 100, 2, null));
        assertThat(storage.latest(false)).isInstanceOf(LatestResult.NoCheckpoint.class);
    }
}
