package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;
import dev.cairn.core.AlignmentMode;
import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.TriggerStyle;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.recovery.RecoveryOptions;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.JobListener;
import dev.cairn.kafka.RunningJob;
import dev.cairn.state.RocksDbStateBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code cairn demo bank}: a bank of accounts on a strongly connected graph (a ring plus chords)
 * moving money at random, checkpointed every second, on an embedded Kafka broker whose data lives in
 * the data directory. Every completed checkpoint is audited from outside the job — balances plus the
 * amounts in flight, read back as a restore would read them — and the total must never change.
 * Killed and started again with the same data directory, it restores from the latest checkpoint.
 */
@Command(name = "bank", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the bank: accounts on a strongly connected graph sending random transfers, "
                + "checkpointed every second; every checkpoint's total (balances + in-flight amounts) is audited "
                + "and must never change.",
                "Stop it with Ctrl-C (it takes a final checkpoint) or kill it; started again with the same "
                        + "--data-dir, it restores from the latest checkpoint."},
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {"0:Stopped; every audited checkpoint held the bank's total.",
                "1:An audited checkpoint did not hold the bank's total (a consistency bug: please report it).",
                "2:Usage error, or options that cairn refuses (e.g. --alignment aligned on the cyclic bank).",
                "3:The data directory cannot be used (not writable; holds checkpoints none of which is valid).",
                "4:The job failed, or an internal error."})
public final class BankDemo implements Callable<Integer> {
    static final String JOB_ID = "bank";
    static final String TICKS = "ticks";
    static final String TICKS_TOPIC = "cairn-demo-bank-ticks";

    @Spec
    CommandSpec spec;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "8",
            description = "Number of accounts, 2 to 64 (default: ${DEFAULT-VALUE}). Fixed for a data directory.")
    int accounts;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "500",
            description = "Transfers started per second over all accounts (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "0s", converter = DurationConverter.class,
            description = "Stop with a final checkpoint after this long, e.g. 30s or 5m (default: run until Ctrl-C).")
    Duration duration;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class, description = "Time between checkpoints (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "cairn-demo-bank",
            description = "Where the broker's data, the checkpoints and the local state live (default: ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--in-flight", paramLabel = "MODE", defaultValue = "REFERENCE",
            description = "How in-flight records become channel state: REFERENCE (offset ranges in the channel topics) "
                    + "or COPY (copied into the checkpoint) (default: ${DEFAULT-VALUE}).")
    InFlightMode inFlight;

    @Option(names = "--alignment", paramLabel = "MODE", defaultValue = "UNALIGNED",
            description = "UNALIGNED (default) or ALIGNED. Aligned checkpoints need an acyclic graph, so the bank, "
                    + "which is cyclic, refuses ALIGNED with the cycle named.")
    AlignmentMode alignment;

    @Mixin
    KafkaOptions kafkaOptions = new KafkaOptions();

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1",
            description = "Seed of the accounts' random transfers (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        validate();
        DemoLogging.quietBroker();
        PrintWriter out = spec.commandLine().getOut();
        Path dir = dataDir.toAbsolutePath().normalize();
        Path checkpoints = DemoDirectories.prepare(dir, "checkpoints");
        Path rocksdb = DemoDirectories.prepare(dir, "rocksdb");
        Path audit = DemoDirectories.prepare(dir, "audit");
        BankTopology topology = new BankTopology(accounts, seed);
        RecoveryOptions recovery = recoveryFor(checkpoints, out);
        // The job's definition is checked before any broker starts, so that an option cairn refuses
        // (e.g. ALIGNED on this cyclic graph) costs nothing; building a job does not connect.
        build(topology, TICKS_TOPIC, Map.of("bootstrap.servers", "definition-check.invalid:9092"), checkpoints, rocksdb,
                recovery, new JobListener() {
                });

        try (KafkaConnection kafka = kafkaOptions.open(dir)) {
            out.printf("cairn demo bank: %d accounts on %s, %d transfers/s, a checkpoint every %s, in-flight %s, "
                            + "alignment %s; data in %s%n", accounts, kafka.description(), rate, human(interval),
                    inFlight, alignment, dir);
            String ticksTopic = kafka.ensureTopic(TICKS_TOPIC);
            long expected = accounts * BankAccount.INITIAL_BALANCE;
            BankAuditor auditor = new BankAuditor(topology, expected, kafka.properties(), checkpoints, audit, out);
            Job job = build(topology, ticksTopic, kafka.properties(), checkpoints, rocksdb, recovery,
                    new Progress(out, auditor));
            TickProducer ticks = new TickProducer(kafka.properties(), ticksTopic, rate, accounts, seed);
            return run(job, ticks, auditor, out);
        }
    }

    private void validate() {
        if (accounts < 2 || accounts > 64) {
            throw usage("--accounts must be between 2 and 64, was " + accounts);
        }
        if (rate < 1 || rate > 1_000_000) {
            throw usage("--rate must be between 1 and 1000000 transfers per second, was " + rate);
        }
        if (duration.isNegative()) {
            throw usage("--duration must not be negative, was " + duration);
        }
        if (interval.compareTo(Duration.ofMillis(50)) < 0) {
            throw usage("--checkpoint-interval must be at least 50ms, was " + human(interval));
        }
        kafkaOptions.validate();
    }

    /**
     * Restores the latest checkpoint if there is one. A job directory with an epoch record but no
     * checkpoint at all is a demo killed before its first checkpoint completed: it starts fresh, and
     * says so. Checkpoints that exist but none of which is valid are not overwritten: that is for a
     * person to look at ({@code cairn checkpoints list}).
     */
    private RecoveryOptions recoveryFor(Path checkpoints, PrintWriter out) {
        if (!Files.isDirectory(checkpoints.resolve(JOB_ID))) {
            return RecoveryOptions.latest();
        }
        try (CheckpointStorage storage = openStorage(checkpoints)) {
            LatestResult latest = storage.latest(false);
            if (latest instanceof LatestResult.NoCheckpoint && storage.currentEpoch().isPresent()) {
                out.println("no checkpoint completed in the last run (stopped before its first one): starting fresh");
                return RecoveryOptions.latest().withForceFresh(true);
            }
            if (latest instanceof LatestResult.NoneValid none) {
                throw new CliException(ExitCode.NOT_FOUND, checkpoints.resolve(JOB_ID) + " holds checkpoints but none is"
                        + " valid (" + none.skipped().get(0).reason() + "); see 'cairn checkpoints list --dir "
                        + checkpoints.resolve(JOB_ID) + "', or use another --data-dir");
            }
            if (latest instanceof LatestResult.Found found) {
                long held = found.manifest().topology().operators().stream()
                        .filter(o -> o.startsWith(BankTopology.ACCOUNT_PREFIX)).count();
                if (held != accounts) {
                    throw usage(checkpoints.resolve(JOB_ID) + " holds a bank of " + held + " accounts (checkpoint "
                            + found.manifest().checkpointId() + "), not " + accounts + ": run with --accounts " + held
                            + ", or use another --data-dir");
                }
            }
            return RecoveryOptions.latest();
        }
    }

    private static CheckpointStorage openStorage(Path checkpoints) {
        return LocalCheckpointStorage.open(checkpoints, JOB_ID, new NioStorageFs());
    }

    private Job build(BankTopology topology, String ticksTopic, Map<String, Object> kafka, Path checkpoints,
                      Path rocksdb, RecoveryOptions recovery, JobListener listener) {
        CheckpointConfig config = CheckpointConfig.builder()
                .interval(interval)
                .timeout(Duration.ofSeconds(Math.max(10, interval.toSeconds() * 10)))
                .inFlight(inFlight)
                .alignment(alignment)
                .triggers(alignment == AlignmentMode.ALIGNED ? TriggerStyle.SOURCES_ONLY : CheckpointConfig.defaults().triggers())
                // the audit reads each checkpoint after it completes: keep a few more than the default
                .retained(5)
                .build();
        try {
            return topology.define(Job.builder(JOB_ID), TICKS, ticksTopic)
                    .kafka(kafka)
                    .checkpointDirectory(checkpoints)
                    .stateBackend(RocksDbStateBackend.builder().localDirectory(rocksdb).build())
                    .checkpoints(config)
                    .recovery(recovery)
                    .listener(listener)
                    .build();
        } catch (CairnException e) {
            if (e.reason() == CairnException.Reason.TOPOLOGY || e.reason() == CairnException.Reason.CONFIGURATION) {
                throw usage(e.getMessage());
            }
            throw e;
        }
    }

    private int run(Job job, TickProducer ticks, BankAuditor auditor, PrintWriter out) throws InterruptedException {
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean signalled = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            signalled.set(true);
            stopRequested.countDown();
            try {
                stopped.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cairn-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        RunningJob running = null;
        try {
            running = job.start();
            ticks.start();
            long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (stopRequested.getCount() > 0 && !running.isTerminated() && System.nanoTime() < deadline) {
                long waitMillis = Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                stopRequested.await(waitMillis, TimeUnit.MILLISECONDS);
            }
            if (running.isTerminated()) {
                CairnException cause = running.failure().orElse(null);
                throw new CliException(ExitCode.INTERNAL, "the bank job stopped by itself: "
                        + (cause == null ? "no reason given" : cause.getMessage()), cause);
            }
            out.println(signalled.get() ? "stopping (signal): taking a final checkpoint" : "stopping: taking a final checkpoint");
            ticks.close();
            boolean finalCheckpoint = running.stopWithCheckpoint(Duration.ofSeconds(30));
            if (!finalCheckpoint) {
                out.println("the final checkpoint did not complete within 30 s; the next start restores checkpoint "
                        + running.latestCompletedCheckpoint());
            }
            running.close();
            auditor.close();
            out.println(auditor.summary(running.latestCompletedCheckpoint()));
            return auditor.violations() == 0 ? ExitCode.OK : ExitCode.CHECKPOINT_PROBLEM;
        } finally {
            ticks.close();
            if (running != null) {
                running.close();
            }
            auditor.close();
            out.flush();
            stopped.countDown();
            if (!signalled.get()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting already: the hook runs and finds us stopped
                }
            }
        }
    }

    private CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    /** Prints what the job reports, and hands every completed checkpoint to the auditor. */
    private static final class Progress implements JobListener {
        private final PrintWriter out;
        private final BankAuditor auditor;

        Progress(PrintWriter out, BankAuditor auditor) {
            this.out = out;
            this.auditor = auditor;
        }

        @Override
        public void onEpochStarted(int epoch, long restoredCheckpoint) {
            out.println(restoredCheckpoint == 0
                    ? "epoch " + epoch + ": fresh start, every account holds " + BankAccount.INITIAL_BALANCE
                    : "epoch " + epoch + ": restoring checkpoint " + restoredCheckpoint);
        }

        @Override
        public void onRestored(int epoch, long restoredCheckpoint, long restoreNanos) {
            if (restoredCheckpoint > 0) {
                out.printf("restored checkpoint %d in %d ms (state and in-flight records replayed; epoch %d)%n",
                        restoredCheckpoint, TimeUnit.NANOSECONDS.toMillis(restoreNanos), epoch);
            }
        }

        @Override
        public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
            auditor.submit(manifest, durationNanos);
        }

        @Override
        public void onCheckpointFailed(long checkpointId, String reason) {
            out.println("checkpoint " + checkpointId + " failed: " + reason);
        }

        @Override
        public void onRollback(int failedEpoch, String reason) {
            out.println("rollback of epoch " + failedEpoch + ": " + reason);
        }

    }

    /** The bank's graph: accounts on a ring, plus chords, each also fed by the ticks source. */
    record BankTopology(int accounts, long seed) {
        static final String ACCOUNT_PREFIX = "acct-";

        static String account(int i) {
            return ACCOUNT_PREFIX + i;
        }

        List<String> neighbours(int i) {
            List<String> n = new ArrayList<>();
            n.add(account((i + 1) % accounts));
            if (accounts >= 4 && i % 2 == 0) {
                n.add(account((i + 3) % accounts)); // a chord: a second cycle through the ring
            }
            return n;
        }

        /** Every channel: from the ticks source to each account, and from each account to its neighbours. */
        List<ChannelId> channels(String ticksSource) {
            List<ChannelId> channels = new ArrayList<>();
            for (int i = 0; i < accounts; i++) {
                channels.add(ChannelId.of(ticksSource, account(i)));
                for (String n : neighbours(i)) {
                    channels.add(ChannelId.of(account(i), n));
                }
            }
            return channels;
        }

        Job.Builder define(Job.Builder b, String ticksSource, String ticksTopic) {
            b.source(ticksSource, ticksTopic);
            Random seeds = new Random(seed);
            for (int i = 0; i < accounts; i++) {
                int index = i;
                long accountSeed = seeds.nextLong();
                List<String> neighbours = neighbours(i);
                b.operator(account(i), () -> new BankAccount(index, ticksSource, neighbours, accountSeed));
                b.channel(ticksSource, account(i));
                for (String n : neighbours) {
                    b.channel(account(i), n);
                }
            }
            return b;
        }
    }
}
