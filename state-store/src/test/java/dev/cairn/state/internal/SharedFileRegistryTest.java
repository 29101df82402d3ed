package dev.cairn.state.internal;

import dev.cairn.core.manifest.FileRef;
import dev.cairn.state.internal.SharedFileRegistry.LocalSst;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which stored files a checkpoint may reference instead of uploading. */
class SharedFileRegistryTest {
    static final LocalSst SST = new LocalSst("000012.sst", 100);
    static final FileRef FROM_2 = new FileRef("shared/op/2-aaaaaaaaaaaa-000012.sst", 100, 1);
    static final FileRef FROM_3 = new FileRef("shared/op/3-bbbbbbbbbbbb-000012.sst", 100, 1);

    @Test
    void onlyFilesOfTheCompletedCheckpointItselfBecomeReusable() {
        SharedFileRegistry r = new SharedFileRegistry();
        assertThat(r.beginPersist(2)).isEmpty();
        r.persisted(2, Map.of(SST, FROM_2));
        assertThat(r.beginPersist(3)).as("2 is not complete yet").isEmpty();
        r.persisted(3, Map.of(SST, FROM_3));
        r.completed(4); // subsumes 2 and 3 without saying anything about their files
        assertThat(r.beginPersist(5)).isEmpty();
        r.persisted(5, Map.of(SST, FROM_2));
        r.completed(5);
        assertThat(r.beginPersist(6)).containsEntry(SST, FROM_2);
    }

    @Test
    void aCheckpointOverlappingAnOlderPendingOneAcrossACompletionUploadsAfresh() {
        SharedFileRegistry r = new SharedFileRegistry();
        r.beginPersist(2);
        r.persisted(2, Map.of(SST, FROM_2));
        r.beginPersist(3); // persisted before 2 completed: its own copy
        r.persisted(3, Map.of(SST, FROM_3));
        r.completed(2);
        // 3 may complete next with its own copy, and retention may then drop 2 with FROM_2: so 4
        // must not lean on FROM_2 while 3 is pending.
        assertThat(r.beginPersist(4)).isEmpty();
        r.persisted(4, Map.of(SST, new FileRef("shared/op/4-cccccccccccc-000012.sst", 100, 1)));
        r.completed(3);
        assertThat(r.beginPersist(5)).as("4 chose from an older set and is still pending").isEmpty();
        r.aborted(5);
        r.aborted(4);
        assertThat(r.beginPersist(6)).containsEntry(SST, FROM_3);
    }

    @Test
    void anAbortedOrFailedOlderCheckpointNoLongerBlocksReuse() {
        SharedFileRegistry r = new SharedFileRegistry();
        r.beginPersist(2);
        r.persisted(2, Map.of(SST, FROM_2));
        r.beginPersist(3);
        r.completed(2);
        r.failed(3);
        assertThat(r.beginPersist(4)).containsEntry(SST, FROM_2);
        r.aborted(4);
        r.beginPersist(5);
        assertThat(r.beginPersist(6)).as("5 chose from the same set").containsEntry(SST, FROM_2);
    }

    @Test
    void aRestoredHandleCountsAsCompleted() {
        SharedFileRegistry r = new SharedFileRegistry();
        r.beginPersist(7);
        r.restored(Map.of(SST, FROM_2));
        assertThat(r.beginPersist(8)).containsEntry(SST, FROM_2);
    }
}
