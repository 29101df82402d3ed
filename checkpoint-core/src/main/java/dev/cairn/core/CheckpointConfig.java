package dev.cairn.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How a job checkpoints. Immutable; build with {@link #builder()}. Each setter rejects a bad value
 * at once, naming the setting; {@link Builder#build()} checks the rules that span settings.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>interval</td><td>5 s</td><td>time between two triggers</td></tr>
 *   <tr><td>minPause</td><td>0</td><td>least time between a completion and the next trigger</td></tr>
 *   <tr><td>timeout</td><td>60 s</td><td>a checkpoint not complete by then is aborted</td></tr>
 *   <tr><td>maxConcurrent</td><td>1</td><td>checkpoints in progress at once</td></tr>
 *   <tr><td>tolerableFailures</td><td>3</td><td>consecutive failed checkpoints before the job fails</td></tr>
 *   <tr><td>triggers</td><td>ALL_OPERATORS</td><td>who the coordinator triggers</td></tr>
 *   <tr><td>alignment</td><td>UNALIGNED</td><td>aligned needs an acyclic topology and SOURCES_ONLY</td></tr>
 *   <tr><td>alignmentTimeout</td><td>none</td><td>aligned only: switch to unaligned after this long</td></tr>
 *   <tr><td>inFlight</td><td>COPY</td><td>copy in-flight records, or keep offset ranges</td></tr>
 *   <tr><td>retained</td><td>3</td><td>complete checkpoints kept</td></tr>
 *   <tr><td>maxChannelStateBytes</td><td>256 MiB</td><td>copy mode: cap per operator and checkpoint</td></tr>
 *   <tr><td>periodic</td><td>true</td><td>trigger on the interval; off: only final checkpoints</td></tr>
 * </table>
 */
public final class CheckpointConfig {
    private final Duration interval;
    private final Duration minPause;
    private final Duration timeout;
    private final int maxConcurrent;
    private final int tolerableFailures;
    private final TriggerStyle triggers;
    private final AlignmentMode alignment;
    private final Duration alignmentTimeout;
    private final InFlightMode inFlight;
    private final int retained;
    private final long maxChannelStateBytes;
    private final boolean periodic;

    private CheckpointConfig(Builder b) {
        this.interval = b.interval;
        this.minPause = b.minPause;
        this.timeout = b.timeout;
        this.maxConcurrent = b.maxConcurrent;
        this.tolerableFailures = b.tolerableFailures;
        this.triggers = b.triggers;
        this.alignment = b.alignment;
        this.alignmentTimeout = b.alignmentTimeout;
        this.inFlight = b.inFlight;
        this.retained = b.retained;
        this.maxChannelStateBytes = b.maxChannelStateBytes;
        this.periodic = b.periodic;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static CheckpointConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.interval = interval;
        b.minPause = minPause;
        b.timeout = timeout;
        b.maxConcurrent = maxConcurrent;
        b.tolerableFailures = tolerableFailures;
        b.triggers = triggers;
        b.alignment = alignment;
        b.alignmentTimeout = alignmentTimeout;
        b.inFlight = inFlight;
        b.retained = retained;
        b.maxChannelStateBytes = maxChannelStateBytes;
        b.periodic = periodic;
        return b;
    }

    public Duration interval() {
        return interval;
    }

    public Duration minPause() {
        return minPause;
    }

    public Duration timeout() {
        return timeout;
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public int tolerableFailures() {
        return tolerableFailures;
    }

    public TriggerStyle triggers() {
        return triggers;
    }

    public AlignmentMode alignment() {
        return alignment;
    }

    /** Aligned mode: the alignment timeout, or {@code null} for none. */
    public Duration alignmentTimeout() {
        return alignmentTimeout;
    }

    public InFlightMode inFlight() {
        return inFlight;
    }

    public int retained() {
        return retained;
    }

    public long maxChannelStateBytes() {
        return maxChannelStateBytes;
    }

    /**
     * Whether checkpoints are triggered on the interval (the default). Without, only explicit
     * checkpoints are taken: a final one when a bounded job ends or the job is stopped with a
     * checkpoint (for comparisons with checkpoints off).
     */
    public boolean periodic() {
        return periodic;
    }

    @Override
    public String toString() {
        return "CheckpointConfig{interval=" + interval + ", minPause=" + minPause + ", timeout=" + timeout
                + ", maxConcurrent=" + maxConcurrent + ", tolerableFailures=" + tolerableFailures
                + ", triggers=" + triggers + ", alignment=" + alignment + ", alignmentTimeout=" + alignmentTimeout
                + ", inFlight=" + inFlight + ", retained=" + retained + ", maxChannelStateBytes=" + maxChannelStateBytes
                + ", periodic=" + periodic + "}";
    }

    /** Collects settings; see {@link CheckpointConfig} for defaults. */
    public static final class Builder {
        private Duration interval = Duration.ofSeconds(5);
        private Duration minPause = Duration.ZERO;
        private Duration timeout = Duration.ofSeconds(60);
        private int maxConcurrent = 1;
        private int tolerableFailures = 3;
        private TriggerStyle triggers = TriggerStyle.ALL_OPERATORS;
        private AlignmentMode alignment = AlignmentMode.UNALIGNED;
        private Duration alignmentTimeout;
        private InFlightMode inFlight = InFlightMode.COPY;
        private int retained = 3;
        private long maxChannelStateBytes = 256L << 20;
        private boolean periodic = true;

        private Builder() {
        }

        /** Off: no checkpoint on the interval, only explicit ones (final checkpoint, stop). */
        public Builder periodic(boolean periodic) {
            this.periodic = periodic;
            return this;
        }

        public Builder interval(Duration interval) {
            this.interval = positive("interval", interval);
            return this;
        }

        public Builder minPause(Duration minPause) {
            this.minPause = nonNegative("minPause", minPause);
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = positive("timeout", timeout);
            return this;
        }

        public Builder maxConcurrent(int maxConcurrent) {
            if (maxConcurrent < 1 || maxConcurrent > 64) {
                throw config("maxConcurrent must be between 1 and 64, was " + maxConcurrent);
            }
            this.maxConcurrent = maxConcurrent;
            return this;
        }

        public Builder tolerableFailures(int tolerableFailures) {
            if (tolerableFailures < 0) {
                throw config("tolerableFailures must be >= 0, was " + tolerableFailures);
            }
            this.tolerableFailures = tolerableFailures;
            return this;
        }

        public Builder triggers(TriggerStyle triggers) {
            this.triggers = Objects.requireNonNull(triggers, "triggers");
            return this;
        }

        public Builder alignment(AlignmentMode alignment) {
            this.alignment = Objects.requireNonNull(alignment, "alignment");
            return this;
        }

        /** Aligned mode: record unaligned once a checkpoint aligned this long; {@code null} = never. */
        public Builder alignmentTimeout(Duration alignmentTimeout) {
            this.alignmentTimeout = alignmentTimeout == null ? null : nonNegative("alignmentTimeout", alignmentTimeout);
            return this;
        }

        public Builder inFlight(InFlightMode inFlight) {
            this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
            return this;
        }

        public Builder retained(int retained) {
            if (retained < 1) {
                throw config("retained must be >= 1, was " + retained);
            }
            this.retained = retained;
            return this;
        }

        public Builder maxChannelStateBytes(long bytes) {
            if (bytes < 1) {
                throw config("maxChannelStateBytes must be >= 1, was " + bytes);
            }
            this.maxChannelStateBytes = bytes;
            return this;
        }

        /** Checks the rules that span settings. */
        public CheckpointConfig build() {
            if (minPause.compareTo(interval) >= 0) {
                throw config("minPause (" + minPause + ") must be smaller than interval (" + interval + ")");
            }
            if (alignmentTimeout != null && alignment != AlignmentMode.ALIGNED) {
                throw config("alignmentTimeout (" + alignmentTimeout + ") is set but alignment is " + alignment
                        + "; it only applies to ALIGNED");
            }
            if (alignment == AlignmentMode.ALIGNED && triggers != TriggerStyle.SOURCES_ONLY) {
                throw config("alignment ALIGNED needs triggers SOURCES_ONLY, but triggers is " + triggers);
            }
            return new CheckpointConfig(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw config(name + " must be positive, was " + d);
            }
            return d;
        }

        private static Duration nonNegative(String name, Duration d) {
            if (d == null || d.isNegative()) {
                throw config(name + " must be >= 0, was " + d);
            }
            return d;
        }

        private static CairnException config(String message) {
            return new CairnException(CairnException.Reason.CONFIGURATION, message);
        }
    }
}
