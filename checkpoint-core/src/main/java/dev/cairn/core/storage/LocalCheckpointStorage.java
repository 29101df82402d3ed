package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.CairnException.Reason;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.topology.ChannelId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * {@link CheckpointStorage} in a directory tree — a local disk, or a shared mount for jobs spread
 * over machines — through a {@link StorageFs}, with the layout of {@link CheckpointStorage}:
 *
 * <pre>
 *   &lt;root&gt;/&lt;job&gt;/EPOCH, RESTORES, IDS                    checksummed JSON records
 *   &lt;root&gt;/&lt;job&gt;/shared/&lt;op&gt;/&lt;id&gt;-&lt;unique&gt;-&lt;name&gt;       shared files, created exclusively
 *   &lt;root&gt;/&lt;job&gt;/chk-&lt;id&gt;/&lt;op&gt;/&lt;name&gt;, .../&lt;op&gt;/LOCAL     private files, local-snapshot descriptor
 *   &lt;root&gt;/&lt;job&gt;/chk-&lt;id&gt;/channels/&lt;from&gt;--&lt;to&gt;          channel-state files
 *   &lt;root&gt;/&lt;job&gt;/chk-&lt;id&gt;/MANIFEST                       the commit point
 * </pre>
 *
 * Operator ids and file names are percent-encoded into safe names ({@code PathSegments}). Every
 * record (MANIFEST, LOCAL, EPOCH, RESTORES, IDS) is replaced atomically: written under a fresh
 * temporary name in the same directory, fsynced, renamed, and the directory fsynced; a leftover
 * temporary file is never read, and retention removes it. The format is in
 * docs/MANIFEST-FORMAT.md. Directories and files are owner-only.
 *
 * <p>Errors: a storage that cannot be read or written is a STORAGE {@link CairnException} naming
 * the path; a damaged checkpoint file is a {@link CorruptCheckpointException}. An I/O error is
 * never taken for damage: {@link #latest} does not skip a checkpoint because a read failed, it
 * fails, so that a passing fault can neither roll a job back further than needed nor make
 * retention delete a good checkpoint.
 *
 * <p>Thread-safe. Across processes, only the coordinator of the current epoch may allocate ids,
 * begin epochs, commit manifests and run retention; operators only create files and local
 * snapshots.
 */
public final class LocalCheckpointStorage implements CheckpointStorage {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCheckpointStorage.class);

    static final String EPOCH = "EPOCH";
    static final String RESTORES = "RESTORES";
    static final String IDS = "IDS";
    static final String SHARED = "shared";
    static final String MANIFEST = "MANIFEST";
    static final String LOCAL = "LOCAL";
    static final String CHANNELS = "channels";
    static final String TMP = ".tmp-";
    static final String HISTORY = "HISTORY.jsonl";
    /** The history is trimmed to its newest half once it grows past this size. */
    private static final long HISTORY_LIMIT_BYTES = 2L << 20;
    private static final com.fasterxml.jackson.databind.ObjectMapper HISTORY_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String PROBE = ".probe-";
    private static final Pattern SHARED_NAME = Pattern.compile("([1-9][0-9]{0,18})-[0-9a-f]{12}-.+");
    private static final int CREATE_ATTEMPTS = 16;

    private final Path jobDir;
    private final String jobId;
    private final StorageFs fs;
    private final Clock clock;
    private final RandomGenerator random;
    /** Directories whose entry in their parent is known durable (and so on up to the job root). */
    private final Set<Path> durableDirs = ConcurrentHashMap.newKeySet();
    /** Temporary files this instance is writing right now: retention must not remove them. */
    private final Set<Path> ownTemporaries = ConcurrentHashMap.newKeySet();
    private final Set<String> reportedJunk = ConcurrentHashMap.newKeySet();
    private final Object idLock = new Object();
    private final Object epochLock = new Object();
    private final Object commitLock = new Object();
    private final Object retentionLock = new Object();
    private final Object historyLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalCheckpointStorage(Path jobDir, String jobId, StorageFs fs, Clock clock, RandomGenerator random) {
        this.jobDir = jobDir;
        this.jobId = jobId;
        this.fs = fs;
        this.clock = clock;
        this.random = random;
    }

    /** Opens (creating if needed) the storage of {@code jobId} under {@code root}. See the 5-argument form. */
    public static LocalCheckpointStorage open(Path root, String jobId, StorageFs fs) {
        return open(root, jobId, fs, Clock.systemUTC(), new SplittableRandom());
    }

    /**
     * Opens (creating if needed) the storage of {@code jobId} in {@code root/jobId}, and proves at
     * once that it can be written, by creating and deleting a file: an unusable root is an error
     * at start, not at the first checkpoint.
     *
     * @param root   the directory holding the jobs' directories; created if missing
     * @param jobId  1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit
     * @param fs     the file system ({@link NioStorageFs} in production)
     * @param clock  the time written into epoch records (informational)
     * @param random the source of the unique parts of file names (seeded in simulations)
     * @throws CairnException CONFIGURATION for a job id that is not a safe directory name; STORAGE
     *                        naming the path if the directory cannot be created or written
     */
    public static LocalCheckpointStorage open(Path root, String jobId, StorageFs fs, Clock clock,
                                              RandomGenerator random) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        PathSegments.checkJobId(jobId);
        Path jobDir = root.toAbsolutePath().normalize().resolve(jobId);
        LocalCheckpointStorage storage = new LocalCheckpointStorage(jobDir, jobId, fs, clock, random);
        storage.prepare();
        return storage;
    }

    private void prepare() {
        List<Path> created;
        try {
            created = mkdirs(jobDir);
        } catch (IOException e) {
            throw new CairnException(Reason.STORAGE, "job '" + jobId + "': cannot create checkpoint directory "
                    + jobDir + ": " + e + "; check that " + jobDir.getParent()
                    + " exists or can be created, and is a directory writable by this user", e);
        }
        Path probe = jobDir.resolve(PROBE + unique());
        try {
            try (OutputStream out = fs.createNew(probe)) {
                out.write('p');
            }
            fs.delete(probe);
            fs.setOwnerOnly(jobDir);
            // The job directory must survive a crash even if an earlier process created it and died.
            for (Path d : created) {
                fs.fsyncDirectory(d.getParent());
            }
            fs.fsyncDirectory(jobDir.getParent());
        } catch (IOException e) {
            CairnException error = new CairnException(Reason.STORAGE, "job '" + jobId + "': checkpoint directory "
                    + jobDir + " is not writable (could not create, write and delete " + probe + "): " + e
                    + "; give this user write access to it or choose another checkpoint root", e);
            deleteQuietly(probe, error);
            throw error;
        }
        durableDirs.add(jobDir);
    }

    @Override
    public String jobId() {
        return jobId;
    }

    /** The directory of this job: {@code <root>/<jobId>}. */
    public Path jobDirectory() {
        return jobDir;
    }

    // ================================================================== ids, epochs, history

    /**
     * {@inheritDoc}
     *
     * <p>The next id is one above both the counter and the highest {@code chk-<id>} directory, so
     * that even a lost counter file cannot make an id be handed out twice. The counter is replaced
     * atomically and durably before the id is returned; a crash before that leaves the old value,
     * and the id was never handed out.
     */
    @Override
    public long allocateCheckpointId() {
        synchronized (idLock) {
            ensureOpen();
            long last = lastAllocatedId();
            long highestDirectory;
            try {
                List<Long> ids = checkpointIds();
                highestDirectory = ids.isEmpty() ? 0 : ids.get(0);
            } catch (IOException e) {
                throw storage("cannot list " + jobDir + " to allocate a checkpoint id", e);
            }
            long next = Math.max(last, highestDirectory) + 1;
            Path ids = jobDir.resolve(IDS);
            try {
                writeAtomically(ids, StorageCodec.encodeIds(jobId, next), false);
            } catch (IOException e) {
                throw storage("cannot persist the checkpoint id counter " + ids + " (no id was allocated)", e);
            }
            return next;
        }
    }

    @Override
    public Optional<EpochRecord> currentEpoch() {
        ensureOpen();
        Path path = jobDir.resolve(EPOCH);
        byte[] bytes = readRecord(path, "epoch record");
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(StorageCodec.decodeEpoch(bytes, jobId));
        } catch (RecordFormatException e) {
            throw damagedRecord(e, "epoch record", path, "if no process of this job is running, delete it:"
                    + " the next epoch is then derived from the restore history " + jobDir.resolve(RESTORES));
        }
    }

    @Override
    public List<RestoreEntry> restoreHistory() {
        ensureOpen();
        Path path = jobDir.resolve(RESTORES);
        byte[] bytes = readRecord(path, "restore history");
        if (bytes == null) {
            return List.of();
        }
        try {
            return StorageCodec.decodeRestores(bytes, jobId);
        } catch (RecordFormatException e) {
            throw damagedRecord(e, "restore history", path, "without it cairn cannot tell checkpoints of abandoned"
                    + " branches from valid ones; restore the file from a backup");
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Crash-safe in this order: a crash after the history was written but before the epoch
     * record leaves the new epoch only in the history, and the next call still goes above it.
     */
    @Override
    public EpochRecord beginEpoch(long restoredCheckpointId, Map<String, String> roster) {
        Objects.requireNonNull(roster, "roster");
        synchronized (epochLock) {
            ensureOpen();
            List<RestoreEntry> history = restoreHistory();
            int last = currentEpoch().map(EpochRecord::epoch).orElse(0);
            for (RestoreEntry e : history) {
                last = Math.max(last, e.epoch());
            }
            int epoch = Math.addExact(last, 1);
            // Both built before anything is written, so that invalid arguments change nothing.
            RestoreEntry entry = new RestoreEntry(epoch, restoredCheckpointId);
            EpochRecord record = new EpochRecord(epoch, restoredCheckpointId, roster, clock.millis());
            List<RestoreEntry> updated = new ArrayList<>(history);
            updated.add(entry);
            Path restores = jobDir.resolve(RESTORES);
            Path epochFile = jobDir.resolve(EPOCH);
            try {
                writeAtomically(restores, StorageCodec.encodeRestores(jobId, updated), false);
            } catch (IOException e) {
                throw storage("cannot append epoch " + epoch + " to the restore history " + restores, e);
            }
            try {
                writeAtomically(epochFile, StorageCodec.encodeEpoch(jobId, record), false);
            } catch (IOException e) {
                throw storage("cannot write the epoch record " + epochFile + " for epoch " + epoch
                        + " (the restore history already holds it; the next attempt takes a higher epoch)", e);
            }
            return record;
        }
    }

    // ================================================================== files of a checkpoint

    @Override
    public CheckpointFileWriter createPrivateFile(long checkpointId, String operatorId, String name) {
        ensureOpen();
        requireCheckpointId(checkpointId);
        return newWriter(checkpointDirName(checkpointId) + "/" + PathSegments.operator(operatorId) + "/"
                + PathSegments.privateName(name));
    }

    @Override
    public CheckpointFileWriter createChannelStateFile(long checkpointId, ChannelId channel) {
        ensureOpen();
        requireCheckpointId(checkpointId);
        Objects.requireNonNull(channel, "channel");
        return newWriter(checkpointDirName(checkpointId) + "/" + CHANNELS + "/" + PathSegments.channel(channel));
    }

    @Override
    public CheckpointFileWriter createSharedFile(String operatorId, long checkpointId, String baseName) {
        ensureOpen();
        requireCheckpointId(checkpointId);
        String dir = SHARED + "/" + PathSegments.operator(operatorId) + "/";
        String base = PathSegments.single(baseName, "shared file name");
        for (int attempt = 1; ; attempt++) {
            String relative = dir + checkpointId + "-" + unique() + "-" + base;
            try {
                return openWriter(relative);
            } catch (FileAlreadyExistsException e) {
                if (attempt == CREATE_ATTEMPTS) {
                    throw storage("cannot find an unused name for shared file '" + baseName + "' in "
                            + jobDir.resolve(dir) + " after " + attempt + " attempts", e);
                }
            } catch (IOException e) {
                throw storage("cannot create shared file " + jobDir.resolve(relative), e);
            }
        }
    }

    private CheckpointFileWriter newWriter(String relative) {
        try {
            return openWriter(relative);
        } catch (FileAlreadyExistsException e) {
            throw storage("checkpoint file " + jobDir.resolve(relative) + " already exists; a checkpoint writes"
                    + " each of its files once", e);
        } catch (IOException e) {
            throw storage("cannot create checkpoint file " + jobDir.resolve(relative), e);
        }
    }

    private CheckpointFileWriter openWriter(String relative) throws IOException {
        Path file = jobDir.resolve(relative);
        mkdirs(file.getParent());
        return new FsCheckpointFileWriter(this, file, relative, fs.createNew(file));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The stream also checks, when it reaches the end, that the file had exactly the recorded
     * size and CRC32C, and throws a {@link CorruptCheckpointException} if not: a caller that reads
     * the whole file gets the deep verification for free.
     */
    @Override
    public InputStream openFile(FileRef ref) {
        ensureOpen();
        Path path = checkedPath(ref);
        try {
            String fault = fileFault(ref, path, false);
            if (fault != null) {
                throw new CorruptCheckpointException(path, "job '" + jobId + "': " + fault);
            }
            return new VerifyingInputStream(fs.newInputStream(path), ref, path, jobId);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': checkpoint file " + path + " is missing", e);
        } catch (IOException e) {
            throw storage("cannot open checkpoint file " + path, e);
        }
    }

    @Override
    public void verifyFile(FileRef ref, boolean deep) {
        ensureOpen();
        Path path = checkedPath(ref);
        String fault;
        try {
            fault = fileFault(ref, path, deep);
        } catch (IOException e) {
            throw storage("cannot read checkpoint file " + path, e);
        }
        if (fault != null) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': " + fault);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Written atomically to {@code chk-<id>/<operator>/LOCAL}, once: a second descriptor for the
     * same operator and checkpoint is refused, so that a late writer cannot replace the one an ack
     * points at.
     */
    @Override
    public FileRef writeLocalSnapshot(LocalSnapshot snapshot) {
        ensureOpen();
        Objects.requireNonNull(snapshot, "snapshot");
        byte[] bytes = StorageCodec.encodeLocal(jobId, snapshot);
        String relative = checkpointDirName(snapshot.checkpointId()) + "/" + PathSegments.operator(snapshot.operatorId())
                + "/" + LOCAL;
        Path path = jobDir.resolve(relative);
        try {
            mkdirs(path.getParent());
            writeAtomically(path, bytes, true);
        } catch (FileAlreadyExistsException e) {
            throw storage("the local snapshot of operator '" + snapshot.operatorId() + "' for checkpoint "
                    + snapshot.checkpointId() + " was already written to " + path, e);
        } catch (IOException e) {
            throw storage("cannot write the local snapshot of operator '" + snapshot.operatorId()
                    + "' for checkpoint " + snapshot.checkpointId() + " to " + path, e);
        }
        return new FileRef(relative, bytes.length, ChecksummedJson.crc32c(bytes, bytes.length));
    }

    /**
     * {@inheritDoc}
     *
     * @throws CorruptCheckpointException if the file is missing, differs from {@code ref} in size
     *                                    or CRC32C, or is not a valid descriptor of this job
     */
    @Override
    public LocalSnapshot readLocalSnapshot(FileRef ref) {
        ensureOpen();
        Path path = checkedPath(ref);
        byte[] bytes;
        try {
            bytes = readIfExists(path);
        } catch (IOException e) {
            throw storage("cannot read local snapshot " + path, e);
        }
        String prefix = "job '" + jobId + "': local snapshot ";
        if (bytes == null) {
            throw new CorruptCheckpointException(path, prefix + path + " is missing");
        }
        long crc = ChecksummedJson.crc32c(bytes, bytes.length);
        if (bytes.length != ref.size() || crc != ref.crc32c()) {
            throw new CorruptCheckpointException(path, prefix + path + " is not the one referenced (expected "
                    + ref.size() + " bytes with crc32c " + ref.crc32cHex() + ", found " + bytes.length
                    + " bytes with crc32c " + ChecksummedJson.hex(crc) + ")");
        }
        try {
            StorageCodec.LocalDoc doc = StorageCodec.decodeLocal(bytes);
            StorageCodec.checkJob(StorageCodec.LOCAL_KIND, doc.jobId(), jobId);
            return StorageCodec.snapshot(doc);
        } catch (RecordFormatException e) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': " + e.describe("local snapshot", path), e);
        }
    }

    // ================================================================== manifests

    /**
     * {@inheritDoc}
     *
     * <p>Does not verify the referenced files (the coordinator does, before it commits). If the
     * rename succeeded but the directory could not be fsynced, the manifest is removed again and the
     * error says so; if even that fails, the error says the checkpoint is in doubt: it may or may
     * not be there after a crash, so nothing that depends on it not completing (aborting a sink's
     * prepared transaction) may be done on the strength of this failure.
     *
     * @throws IllegalArgumentException if the manifest is of another job or format, or references a
     *                                  path that {@link #latest} would reject
     * @throws CairnException           CHECKPOINT_FAILED if the checkpoint already has a manifest;
     *                                  STORAGE naming the path if it cannot be written
     */
    @Override
    public void commitManifest(Manifest manifest) {
        ensureOpen();
        Objects.requireNonNull(manifest, "manifest");
        if (!manifest.jobId().equals(jobId)) {
            throw new IllegalArgumentException("manifest of job '" + manifest.jobId()
                    + "' cannot be committed to the storage of job '" + jobId + "'");
        }
        byte[] bytes = StorageCodec.encodeManifest(manifest);
        long id = manifest.checkpointId();
        Path dir = jobDir.resolve(checkpointDirName(id));
        Path path = dir.resolve(MANIFEST);
        synchronized (commitLock) {
            try {
                mkdirs(dir);
                writeAtomically(path, bytes, true);
                dev.cairn.core.CrashPoints.hit("manifest.afterRename");
            } catch (FileAlreadyExistsException e) {
                throw new CairnException(Reason.CHECKPOINT_FAILED, "checkpoint " + id + " of job '" + jobId
                        + "' already has a manifest " + path + "; ids are never reused, so two coordinators are"
                        + " committing: this one must stop", e);
            } catch (AfterRename e) {
                throw manifestInDoubt(id, path, e.getCause());
            } catch (IOException e) {
                throw storage("cannot commit checkpoint " + id + ": writing its manifest " + path + " failed"
                        + " (the checkpoint does not exist)", e);
            }
        }
    }

    private CairnException manifestInDoubt(long id, Path path, IOException cause) {
        try {
            fs.delete(path);
            fs.fsyncDirectory(path.getParent());
            return storage("cannot commit checkpoint " + id + ": its manifest " + path + " was renamed into place"
                    + " but its directory could not be made durable, so it was removed again (the checkpoint"
                    + " does not exist)", cause);
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
            return storage("checkpoint " + id + " is in doubt: its manifest " + path + " was renamed into place,"
                    + " but neither making it durable nor removing it worked; it may or may not exist after a"
                    + " crash, so do not abort what depends on it", cause);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Skipped checkpoints are logged with the reason, naming the file and the fault: corrupt,
     * newer-format and abandoned ones at WARN, incomplete ones (which never existed) at INFO.
     * Directories whose name is not {@code chk-<positive id>} and other unknown entries are ignored
     * and logged once. A checkpoint in a newer format than this build reads is skipped too (status
     * {@link CheckpointStatus#NEWER_FORMAT}); callers that must not fall back past one can see it in
     * {@link LatestResult#skipped()}.
     *
     * @return {@link LatestResult.NoCheckpoint} if no directory holds a manifest at all
     * @throws CairnException STORAGE if the storage cannot be read (an I/O error is not skipped)
     */
    @Override
    public LatestResult latest(boolean deep) {
        ensureOpen();
        List<LatestResult.Skipped> skipped = new ArrayList<>();
        boolean anyCommitted = false;
        try {
            List<RestoreEntry> history = restoreHistory();
            for (long id : checkpointIds()) {
                Inspection in = inspect(id, history, deep);
                if (in.status() == CheckpointStatus.COMPLETE) {
                    logSkipped(skipped, "falling back to checkpoint " + id);
                    return new LatestResult.Found(in.manifest(), skipped);
                }
                anyCommitted |= in.status() != CheckpointStatus.INCOMPLETE;
                skipped.add(new LatestResult.Skipped(id, in.status(), in.reason()));
            }
        } catch (IOException e) {
            throw storage("cannot read checkpoint storage " + jobDir + " to find the latest checkpoint", e);
        }
        logSkipped(skipped, "no restorable checkpoint remains");
        return anyCommitted ? new LatestResult.NoneValid(skipped) : new LatestResult.NoCheckpoint();
    }

    /**
     * {@inheritDoc}
     *
     * @throws CairnException              NO_VALID_CHECKPOINT if the checkpoint has no manifest;
     *                                     INCOMPATIBLE_RESTORE if a newer cairn wrote it
     * @throws CorruptCheckpointException if the manifest is damaged or invalid
     */
    @Override
    public Manifest readManifest(long checkpointId) {
        ensureOpen();
        requireCheckpointId(checkpointId);
        Path path = jobDir.resolve(checkpointDirName(checkpointId)).resolve(MANIFEST);
        byte[] bytes;
        try {
            bytes = readIfExists(path);
        } catch (IOException e) {
            throw storage("cannot read manifest " + path, e);
        }
        if (bytes == null) {
            throw new CairnException(Reason.NO_VALID_CHECKPOINT, "checkpoint " + checkpointId + " of job '" + jobId
                    + "' has no manifest " + path + ": it never committed, or retention removed it");
        }
        try {
            Manifest m = StorageCodec.decodeManifest(bytes);
            String mismatch = identityMismatch(m, checkpointId, path);
            if (mismatch != null) {
                throw new CorruptCheckpointException(path, "checkpoint " + checkpointId + " of job '" + jobId + "': "
                        + mismatch);
            }
            return m;
        } catch (RecordFormatException e) {
            String message = "checkpoint " + checkpointId + " of job '" + jobId + "': " + e.describe("manifest", path);
            if (e.fault() == RecordFormatException.Fault.NEWER_FORMAT) {
                throw new CairnException(Reason.INCOMPATIBLE_RESTORE, message + "; upgrade cairn to restore it", e);
            }
            throw new CorruptCheckpointException(path, message, e);
        }
    }

    @Override
    public List<CheckpointListing> list(boolean deep) {
        ensureOpen();
        List<CheckpointListing> out = new ArrayList<>();
        try {
            List<RestoreEntry> history = restoreHistory();
            for (long id : checkpointIds()) {
                Inspection in = inspect(id, history, deep);
                out.add(new CheckpointListing(id, in.status(), in.reason(), in.manifest()));
            }
        } catch (IOException e) {
            throw storage("cannot list checkpoint storage " + jobDir, e);
        }
        return out;
    }

    // ================================================================== retention

    /**
     * {@inheritDoc}
     *
     * <p>In detail, after the epoch check (also repeated before each phase that deletes):
     * <ol>
     *   <li>Retained: the {@code keep} newest checkpoints with status COMPLETE (shallow).</li>
     *   <li>Removed: older COMPLETE ones, ABANDONED ones, CORRUPT ones (only if at least one
     *       checkpoint is retained: with none valid, a damaged checkpoint may be all there is to
     *       repair by hand), and INCOMPLETE directories, except those in {@code pending} and those
     *       above the id counter as read when the pass began (allocated while it runs). NEWER_FORMAT
     *       ones are never removed.</li>
     *   <li>Manifests of removed checkpoints are deleted first, each made durable, so that a
     *       checkpoint stops existing before any of its files go; then the rest of their
     *       directories, except files that a kept manifest references; then leftover temporary
     *       manifests in retained directories.</li>
     *   <li>Shared files go last, and only if no kept manifest and no local-snapshot descriptor in
     *       a pending or incomplete kept directory references them, their creating checkpoint is
     *       not pending, and it was allocated before the pass began. If any kept checkpoint cannot
     *       be read (corrupt or newer format), no shared file is removed in this pass.</li>
     * </ol>
     * {@code pending} must hold every id allocated and neither completed nor aborted when this is
     * called. A file a pending checkpoint will reference but whose local snapshot is not written
     * yet cannot be seen here: state backends must reuse only files of retained checkpoints.
     *
     * @throws IllegalArgumentException if {@code keep < 1}
     * @throws CairnException           FENCED naming both epochs; STORAGE if storage fails (what
     *                                  was already removed stays removed; nothing retained is touched)
     */
    @Override
    public RetentionResult retain(int keep, Set<Long> pending, int coordinatorEpoch) {
        if (keep < 1) {
            throw new IllegalArgumentException("retention must keep at least 1 checkpoint, was asked to keep " + keep);
        }
        Set<Long> pendingIds = Set.copyOf(pending);
        synchronized (retentionLock) {
            ensureOpen();
            checkFence(coordinatorEpoch);
            try {
                return retainFenced(keep, pendingIds, coordinatorEpoch);
            } catch (IOException e) {
                throw storage("retention stopped (nothing retained was touched; the next pass continues where"
                        + " this one stopped)", e);
            }
        }
    }

    private RetentionResult retainFenced(int keep, Set<Long> pending, int coordinatorEpoch) throws IOException {
        long floor = lastAllocatedId();
        List<RestoreEntry> history = restoreHistory();
        List<Inspection> all = new ArrayList<>();
        for (long id : checkpointIds()) {
            all.add(inspect(id, history, false));
        }
        List<Long> retained = new ArrayList<>();
        for (Inspection in : all) {
            if (in.status() == CheckpointStatus.COMPLETE && retained.size() < keep) {
                retained.add(in.id());
            }
        }
        Set<String> referenced = new HashSet<>();
        boolean sharedReadable = true;
        List<Inspection> doomed = new ArrayList<>();
        for (Inspection in : all) {
            if (!retained.contains(in.id()) && !pending.contains(in.id()) && removable(in, !retained.isEmpty(), floor)) {
                doomed.add(in);
                continue;
            }
            if (in.manifest() != null) {
                for (FileRef f : in.manifest().files()) {
                    referenced.add(f.path());
                }
            } else if (in.status() != CheckpointStatus.INCOMPLETE) {
                sharedReadable = false;
                LOG.warn("job '{}': retention keeps every shared file this pass: the references of checkpoint {}"
                        + " cannot be read ({})", jobId, in.id(), in.reason());
            }
            if (in.status() == CheckpointStatus.INCOMPLETE || pending.contains(in.id())) {
                sharedReadable &= collectLocalReferences(in.id(), referenced);
            }
        }

        // Manifests first: a checkpoint stops existing, durably, before any of its files go.
        for (Inspection in : doomed) {
            Path dir = jobDir.resolve(checkpointDirName(in.id()));
            Path manifest = dir.resolve(MANIFEST);
            if (in.status() != CheckpointStatus.INCOMPLETE && !fs.isDirectory(manifest)) {
                checkFence(coordinatorEpoch);
                if (fs.delete(manifest)) {
                    fs.fsyncDirectory(dir);
                }
            }
        }
        if (!doomed.isEmpty()) {
            dev.cairn.core.CrashPoints.hit("retention.afterManifestDeletes");
        }
        List<Long> removed = new ArrayList<>();
        for (Inspection in : doomed) {
            Path dir = jobDir.resolve(checkpointDirName(in.id()));
            if (!deleteTree(dir, referenced)) {
                LOG.info("job '{}': kept files of removed checkpoint {} in {} that a retained checkpoint references",
                        jobId, in.id(), dir);
            }
            removed.add(in.id());
        }
        if (!doomed.isEmpty()) {
            fs.fsyncDirectory(jobDir);
        }
        for (long id : retained) {
            Path dir = jobDir.resolve(checkpointDirName(id));
            for (String name : fs.list(dir)) {
                if (name.startsWith(MANIFEST + TMP)) {
                    fs.delete(dir.resolve(name));
                }
            }
        }
        deleteStaleRootTemporaries();

        List<String> removedShared = sharedReadable
                ? removeUnreferencedShared(referenced, pending, floor, coordinatorEpoch) : List.of();
        if (!removed.isEmpty() || !removedShared.isEmpty()) {
            LOG.info("job '{}': retention kept checkpoints {}, removed checkpoints {} and {} shared files",
                    jobId, retained, removed, removedShared.size());
        }
        return new RetentionResult(retained, removed, removedShared);
    }

    private static boolean removable(Inspection in, boolean anyRetained, long floor) {
        switch (in.status()) {
            case COMPLETE:
            case ABANDONED:
                return true;
            case CORRUPT:
                return anyRetained;
            case INCOMPLETE:
                return in.id() <= floor;
            case NEWER_FORMAT:
            default:
                return false;
        }
    }

    /** Adds the files named by the local snapshots in {@code chk-<id>/}; false if one cannot be read. */
    private boolean collectLocalReferences(long id, Set<String> referenced) throws IOException {
        Path dir = jobDir.resolve(checkpointDirName(id));
        List<String> names;
        try {
            names = fs.list(dir);
        } catch (NoSuchFileException e) {
            return true;
        }
        boolean readable = true;
        for (String name : names) {
            Path local = dir.resolve(name).resolve(LOCAL);
            if (name.equals(CHANNELS) || name.equals(MANIFEST) || !fs.isDirectory(dir.resolve(name))) {
                continue;
            }
            byte[] bytes = readIfExists(local);
            if (bytes == null) {
                continue;
            }
            try {
                LocalSnapshot s = StorageCodec.snapshot(StorageCodec.decodeLocal(bytes));
                for (FileRef f : s.state().files()) {
                    referenced.add(f.path());
                }
                for (InputSnapshot in : s.inputs().values()) {
                    if (in.channelState() != null) {
                        referenced.add(in.channelState().path());
                    }
                }
                for (FileRef f : s.auxiliaryFiles().values()) {
                    referenced.add(f.path());
                }
            } catch (RecordFormatException e) {
                readable = false;
                LOG.warn("job '{}': retention keeps every shared file this pass: {}", jobId,
                        e.describe("local snapshot", local));
            }
        }
        return readable;
    }

    /** Deletes a directory tree except referenced files; true if it is gone. */
    private boolean deleteTree(Path dir, Set<String> referenced) throws IOException {
        List<String> names;
        try {
            names = fs.list(dir);
        } catch (NoSuchFileException e) {
            return true;
        }
        boolean empty = true;
        for (String name : names) {
            Path child = dir.resolve(name);
            if (fs.isDirectory(child)) {
                empty &= deleteTree(child, referenced);
            } else if (referenced.contains(relative(child))) {
                empty = false;
            } else {
                fs.delete(child);
            }
        }
        if (empty) {
            fs.delete(dir);
            durableDirs.remove(dir);
        }
        return empty;
    }

    private List<String> removeUnreferencedShared(Set<String> referenced, Set<Long> pending, long floor,
                                                  int coordinatorEpoch) throws IOException {
        Path shared = jobDir.resolve(SHARED);
        if (!fs.isDirectory(shared)) {
            return List.of();
        }
        checkFence(coordinatorEpoch);
        List<String> removed = new ArrayList<>();
        for (String op : fs.list(shared)) {
            Path opDir = shared.resolve(op);
            if (!fs.isDirectory(opDir)) {
                reportJunk(SHARED + "/" + op, "not an operator directory");
                continue;
            }
            boolean changed = false;
            for (String name : fs.list(opDir)) {
                String relative = SHARED + "/" + op + "/" + name;
                Matcher m = SHARED_NAME.matcher(name);
                long creator = m.matches() ? parseLongOrMinus1(m.group(1)) : -1;
                if (creator < 0) {
                    reportJunk(relative, "not a shared file name cairn creates (<checkpoint>-<unique>-<name>)");
                    continue;
                }
                if (referenced.contains(relative) || pending.contains(creator) || creator > floor) {
                    continue;
                }
                if (fs.delete(opDir.resolve(name))) {
                    removed.add(relative);
                    changed = true;
                }
            }
            if (changed) {
                fs.fsyncDirectory(opDir);
            }
        }
        return removed;
    }

    private void deleteStaleRootTemporaries() throws IOException {
        for (String name : fs.list(jobDir)) {
            Path p = jobDir.resolve(name);
            boolean temporary = name.startsWith(PROBE) || name.startsWith(IDS + TMP) || name.startsWith(EPOCH + TMP)
                    || name.startsWith(RESTORES + TMP);
            if (temporary && !ownTemporaries.contains(p)) {
                fs.delete(p);
            }
        }
    }

    private void checkFence(int coordinatorEpoch) {
        Optional<EpochRecord> current = currentEpoch();
        int newestRestored = 0;
        for (RestoreEntry e : restoreHistory()) {
            newestRestored = Math.max(newestRestored, e.epoch());
        }
        if (current.isEmpty() || current.get().epoch() != coordinatorEpoch || newestRestored > coordinatorEpoch) {
            String now = current.map(r -> "the current epoch is " + r.epoch()).orElse("there is no epoch record");
            if (newestRestored > coordinatorEpoch) {
                now += " and the restore history holds epoch " + newestRestored;
            }
            throw new CairnException(Reason.FENCED, "job '" + jobId + "': retention refused: this coordinator runs"
                    + " in epoch " + coordinatorEpoch + ", but " + now + " (" + jobDir.resolve(EPOCH)
                    + "); a newer coordinator took over, so this one must stop without deleting anything");
        }
    }

    // ================================================================== inspection

    /** What one checkpoint directory holds; {@code manifest} is set whenever it could be read. */
    private record Inspection(long id, CheckpointStatus status, String reason, Manifest manifest) {
    }

    private Inspection inspect(long id, List<RestoreEntry> history, boolean deep) throws IOException {
        Path dir = jobDir.resolve(checkpointDirName(id));
        Path path = dir.resolve(MANIFEST);
        byte[] bytes;
        try {
            bytes = readIfExists(path);
        } catch (IOException e) {
            if (fs.isDirectory(path)) {
                return new Inspection(id, CheckpointStatus.CORRUPT, "manifest " + path + " is a directory", null);
            }
            throw e;
        }
        if (bytes == null) {
            return new Inspection(id, CheckpointStatus.INCOMPLETE, "no manifest in " + dir
                    + ": the checkpoint never committed", null);
        }
        Manifest m;
        try {
            m = StorageCodec.decodeManifest(bytes);
        } catch (RecordFormatException e) {
            CheckpointStatus status = e.fault() == RecordFormatException.Fault.NEWER_FORMAT
                    ? CheckpointStatus.NEWER_FORMAT : CheckpointStatus.CORRUPT;
            return new Inspection(id, status, e.describe("manifest", path), null);
        }
        String mismatch = identityMismatch(m, id, path);
        if (mismatch != null) {
            return new Inspection(id, CheckpointStatus.CORRUPT, mismatch, null);
        }
        for (RestoreEntry e : history) {
            if (e.abandons(m.epoch(), id)) {
                return new Inspection(id, CheckpointStatus.ABANDONED, "manifest " + path + " was taken in epoch "
                        + m.epoch() + ", on a branch abandoned when epoch " + e.epoch() + " restored "
                        + (e.checkpointId() == 0 ? "nothing (fresh start)" : "checkpoint " + e.checkpointId())
                        + " (restore history " + jobDir.resolve(RESTORES) + ")", m);
            }
        }
        for (FileRef f : m.files()) {
            String fault = fileFault(f, jobDir.resolve(f.path()), deep);
            if (fault != null) {
                return new Inspection(id, CheckpointStatus.CORRUPT, fault + " (listed in " + path + ")", m);
            }
        }
        return new Inspection(id, CheckpointStatus.COMPLETE, null, m);
    }

    private String identityMismatch(Manifest m, long id, Path path) {
        if (!m.jobId().equals(jobId)) {
            return "manifest " + path + " belongs to job '" + m.jobId() + "', not '" + jobId + "'";
        }
        if (m.checkpointId() != id) {
            return "manifest " + path + " is of checkpoint " + m.checkpointId() + ", not " + id;
        }
        return null;
    }

    /** What is wrong with a referenced file, or null; I/O errors other than "missing" are thrown. */
    private String fileFault(FileRef ref, Path path, boolean deep) throws IOException {
        long size;
        try {
            size = fs.size(path);
        } catch (NoSuchFileException e) {
            return "checkpoint file " + path + " is missing";
        } catch (IOException e) {
            if (fs.isDirectory(path)) {
                return "checkpoint file " + path + " is a directory";
            }
            throw e;
        }
        if (size != ref.size()) {
            return fs.isDirectory(path) ? "checkpoint file " + path + " is a directory"
                    : "checkpoint file " + path + " has " + size + " bytes, " + ref.size() + " were recorded";
        }
        if (deep) {
            CRC32C crc = new CRC32C();
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = fs.newInputStream(path)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    crc.update(buffer, 0, n);
                }
            } catch (NoSuchFileException e) {
                return "checkpoint file " + path + " is missing";
            } catch (IOException e) {
                if (fs.isDirectory(path)) {
                    return "checkpoint file " + path + " is a directory";
                }
                throw e;
            }
            if (crc.getValue() != ref.crc32c()) {
                return "checkpoint file " + path + " checksum mismatch (expected " + ref.crc32cHex() + ", found "
                        + ChecksummedJson.hex(crc.getValue()) + ")";
            }
        }
        return null;
    }

    private Path checkedPath(FileRef ref) {
        Objects.requireNonNull(ref, "ref");
        String problem = PathSegments.problem(ref.path());
        if (problem != null) {
            throw new CorruptCheckpointException(null, "job '" + jobId + "': refusing to open " + problem);
        }
        return jobDir.resolve(ref.path());
    }

    /** Checkpoint ids of the {@code chk-<id>} directories, newest first; other entries are reported once. */
    private List<Long> checkpointIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String name : fs.list(jobDir)) {
            long id = PathSegments.parseCheckpointId(name);
            if (id > 0) {
                if (fs.isDirectory(jobDir.resolve(name))) {
                    ids.add(id);
                } else {
                    reportJunk(name, "a file named like a checkpoint directory");
                }
            } else if (!knownRootEntry(name)) {
                reportJunk(name, name.startsWith("chk-")
                        ? "not a checkpoint directory name (chk-<positive id without leading zeros>)"
                        : "not an entry cairn creates");
            }
        }
        ids.sort(Comparator.reverseOrder());
        return ids;
    }

    private static boolean knownRootEntry(String name) {
        return name.equals(EPOCH) || name.equals(RESTORES) || name.equals(IDS) || name.equals(SHARED)
                || name.equals(HISTORY) || name.startsWith(HISTORY + TMP)
                || name.startsWith(EPOCH + TMP) || name.startsWith(RESTORES + TMP) || name.startsWith(IDS + TMP)
                || name.startsWith(PROBE);
    }

    private void reportJunk(String name, String why) {
        if (reportedJunk.add(name)) {
            LOG.warn("job '{}': ignoring {} in {}: {}", jobId, name, jobDir, why);
        }
    }

    private void logSkipped(List<LatestResult.Skipped> skipped, String outcome) {
        for (LatestResult.Skipped s : skipped) {
            String message = "checkpoint " + s.checkpointId() + " of job '" + jobId + "': " + s.reason() + "; " + outcome;
            if (s.status() == CheckpointStatus.INCOMPLETE) {
                LOG.info(message);
            } else {
                LOG.warn(message);
            }
        }
    }

    // ================================================================== records and durability

    private long lastAllocatedId() {
        Path path = jobDir.resolve(IDS);
        byte[] bytes = readRecord(path, "checkpoint id counter");
        if (bytes == null) {
            return 0;
        }
        try {
            return StorageCodec.decodeIds(bytes, jobId);
        } catch (RecordFormatException e) {
            throw damagedRecord(e, "checkpoint id counter", path, "cairn will not guess the next checkpoint id, as"
                    + " ids must never be reused; restore the file from a backup, or delete it to continue above"
                    + " the highest chk-<id> directory");
        }
    }

    private byte[] readRecord(Path path, String what) {
        try {
            return readIfExists(path);
        } catch (IOException e) {
            throw storage("cannot read the " + what + " " + path, e);
        }
    }

    private CairnException damagedRecord(RecordFormatException e, String what, Path path, String advice) {
        String message = "job '" + jobId + "': " + e.describe(what, path);
        if (e.fault() == RecordFormatException.Fault.NEWER_FORMAT) {
            return new CairnException(Reason.STORAGE, message + "; upgrade cairn to run this job", e);
        }
        return new CairnException(Reason.STORAGE, message + "; " + advice, e);
    }

    private byte[] readIfExists(Path file) throws IOException {
        try (InputStream in = fs.newInputStream(file)) {
            return in.readAllBytes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** A failure after the rename: the new content is visible but maybe not durable. */
    private static final class AfterRename extends IOException {
        private static final long serialVersionUID = 1L;

        AfterRename(IOException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /**
     * Replaces {@code target} atomically and durably: fresh temporary name in the same directory,
     * write, fsync, rename, fsync the directory (and any new directories above it).
     *
     * @param mustNotExist fail with {@link FileAlreadyExistsException} instead of replacing
     * @throws AfterRename if the rename happened but the directory could not be made durable
     */
    private void writeAtomically(Path target, byte[] bytes, boolean mustNotExist) throws IOException {
        Path dir = target.getParent();
        Path temporary = null;
        OutputStream out = null;
        for (int attempt = 1; out == null; attempt++) {
            Path candidate = dir.resolve(target.getFileName() + TMP + unique());
            ownTemporaries.add(candidate);
            try {
                out = fs.createNew(candidate);
                temporary = candidate;
            } catch (FileAlreadyExistsException e) {
                ownTemporaries.remove(candidate);
                if (attempt == CREATE_ATTEMPTS) {
                    throw e;
                }
            } catch (IOException e) {
                ownTemporaries.remove(candidate);
                throw e;
            }
        }
        try {
            try (OutputStream o = out) {
                o.write(bytes);
            }
            fs.fsync(temporary);
            if (mustNotExist && fs.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            if (target.getFileName().toString().equals(MANIFEST)) {
                dev.cairn.core.CrashPoints.hit("manifest.beforeRename");
            }
            fs.atomicRename(temporary, target);
        } catch (IOException e) {
            deleteQuietly(temporary, e);
            throw e;
        } finally {
            ownTemporaries.remove(temporary);
        }
        try {
            makeDirectoryDurable(dir);
        } catch (IOException e) {
            throw new AfterRename(e);
        }
    }

    /** Called by a writer's finish(): the file's content and its entry, up to the job root. */
    void makeFileDurable(Path file) throws IOException {
        fs.fsync(file);
        makeDirectoryDurable(file.getParent());
    }

    /**
     * Makes the entries of {@code dir} durable, and {@code dir} itself reachable after a crash: the
     * parent of every directory above it not yet known durable is fsynced too. A directory is
     * marked durable only after all above it are, so a concurrent caller that stops at a marked one
     * never relies on an entry that is not durable yet.
     */
    private void makeDirectoryDurable(Path dir) throws IOException {
        fs.fsyncDirectory(dir);
        List<Path> chain = new ArrayList<>();
        for (Path d = dir; d.startsWith(jobDir) && !durableDirs.contains(d); d = d.getParent()) {
            chain.add(d);
        }
        for (Path d : chain) {
            fs.fsyncDirectory(d.getParent());
        }
        durableDirs.addAll(chain);
    }

    /** Creates {@code dir} and its missing parents; returns the created ones, outermost first. */
    private List<Path> mkdirs(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !fs.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        List<Path> created = new ArrayList<>();
        while (!missing.isEmpty()) {
            Path d = missing.pop();
            try {
                fs.createDirectory(d);
                created.add(d);
            } catch (FileAlreadyExistsException e) {
                if (!fs.isDirectory(d)) {
                    throw new FileSystemException(d.toString(), null, "exists and is not a directory");
                }
            }
        }
        return created;
    }

    void deleteQuietly(Path path, Throwable primary) {
        if (path == null) {
            return;
        }
        try {
            fs.delete(path);
        } catch (IOException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    // ================================================================== small helpers

    private String relative(Path path) {
        return jobDir.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
    }

    private static String checkpointDirName(long id) {
        return "chk-" + id;
    }

    private static void requireCheckpointId(long id) {
        if (id < 1) {
            throw new IllegalArgumentException("checkpoint id must be >= 1, was " + id);
        }
    }

    private static long parseLongOrMinus1(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String unique() {
        long bits;
        synchronized (random) {
            bits = random.nextLong();
        }
        return String.format(Locale.ROOT, "%012x", bits & 0xFFFF_FFFF_FFFFL);
    }

    private CairnException storage(String message, Throwable cause) {
        return new CairnException(Reason.STORAGE, "job '" + jobId + "': " + message + ": " + cause, cause);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("checkpoint storage of job '" + jobId + "' at " + jobDir + " is closed");
        }
    }

    /** Marks the storage closed; it holds no resources of its own. A second call does nothing. */
    @Override
    public void appendHistory(CheckpointHistoryEntry entry) {
        synchronized (historyLock) {
            Path file = jobDir.resolve(HISTORY);
            try {
                byte[] line = (HISTORY_JSON.writeValueAsString(entry) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                boolean existed = fs.exists(file);
                if (existed && fs.size(file) > HISTORY_LIMIT_BYTES) {
                    List<CheckpointHistoryEntry> all = history();
                    StringBuilder kept = new StringBuilder();
                    for (CheckpointHistoryEntry e : all.subList(all.size() / 2, all.size())) {
                        kept.append(HISTORY_JSON.writeValueAsString(e)).append('\n');
                    }
                    kept.append(new String(line, java.nio.charset.StandardCharsets.UTF_8));
                    writeAtomically(file, kept.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
                    return;
                }
                try (OutputStream out = fs.append(file)) {
                    out.write(line);
                }
                fs.fsync(file);
                if (!existed) {
                    fs.fsyncDirectory(jobDir);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("job '{}': could not append to the checkpoint history {}: {}", jobId, file, e.toString());
            }
        }
    }

    @Override
    public List<CheckpointHistoryEntry> history() {
        Path file = jobDir.resolve(HISTORY);
        List<CheckpointHistoryEntry> entries = new ArrayList<>();
        byte[] bytes;
        try {
            if (!fs.exists(file)) {
                return entries;
            }
            try (InputStream in = fs.newInputStream(file)) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw storage("cannot read the checkpoint history " + file, e);
        }
        for (String line : new String(bytes, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(HISTORY_JSON.readValue(line, CheckpointHistoryEntry.class));
            } catch (IOException | RuntimeException e) {
                LOG.debug("job '{}': skipping an unreadable history line in {}", jobId, file);
            }
        }
        return entries;
    }

    @Override
    public void close() {
        closed.set(true);
    }

    @Override
    public String toString() {
        return "LocalCheckpointStorage(" + jobDir + " on " + fs + ")";
    }
}
