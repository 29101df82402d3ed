package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.kafka.internal.PhysicalPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Operators' view of a job's exactly-once sink transactions, for when a job is down: each
 * exactly-once sink has one transactional id ({@code <prefix>.<job>.sink.<sink>}), and a
 * transaction is open only while a commit runs. A process that died in the middle of one leaves it
 * open, and every {@code read_committed} consumer of the partitions it touched stalls at the
 * transaction's first offset until the restarted job fences it or the broker aborts it after the
 * sink's {@code transaction.timeout.ms}. {@link #list()} shows the state of each sink's id;
 * {@link #abort(String)} ends an open one now.
 *
 * <pre>{@code
 * try (SinkTransactions t = SinkTransactions.of(job)) {
 *     for (SinkTransactions.SinkTransaction s : t.list()) {
 *         if (s.open()) t.abort(s.sinkId());
 *     }
 * }
 * }</pre>
 *
 * Aborting is safe at any time: the output of an aborted commit is never visible, and the sink
 * commits it again from the checkpoint at its next restore. Aborting the commit of a running job
 * fences its sink: that operator fails and the job rolls back (and then commits). A later CLI
 * command ({@code cairn sink-transactions list|abort}) is meant to wrap this class.
 */
public final class SinkTransactions implements AutoCloseable {
    private final PhysicalPlan plan;
    private final Admin admin;
    private final Duration timeout;

    /**
     * One exactly-once sink's transactional id as the transaction coordinator sees it.
     *
     * @param sinkId          the sink
     * @param transactionalId its transactional id
     * @param state           the coordinator's state; empty if the coordinator does not know the id
     *                        (never used, or expired after {@code transactional.id.expiration.ms})
     * @param producerId      the producer id (-1 if unknown)
     * @param producerEpoch   the producer epoch (-1 if unknown)
     * @param startedAt       when the open transaction began, if one is open
     * @param partitions      the partitions the open transaction wrote to (stalled for read_committed)
     */
    public record SinkTransaction(String sinkId, String transactionalId, Optional<TransactionState> state,
                                  long producerId, int producerEpoch, Optional<Instant> startedAt,
                                  Set<TopicPartition> partitions) {
        /** A transaction is open: it holds back the last stable offset of {@link #partitions()}. */
        public boolean open() {
            return state.isPresent() && (state.get() == TransactionState.ONGOING
                    || state.get() == TransactionState.PREPARE_COMMIT || state.get() == TransactionState.PREPARE_ABORT);
        }

        /** How long the open transaction has been open at {@code now} (zero if none is open). */
        public Duration age(Instant now) {
            return open() && startedAt.isPresent() ? Duration.between(startedAt.get(), now) : Duration.ZERO;
        }
    }

    private SinkTransactions(PhysicalPlan plan, Admin admin, Duration timeout) {
        this.plan = plan;
        this.admin = admin;
        this.timeout = timeout;
    }

    /** Connects with the job's Kafka settings (an admin client; close it). */
    public static SinkTransactions of(Job job) {
        return new SinkTransactions(job.plan(), Admin.create(job.settings().kafka().admin("cairn-" + job.id()
                + "-sink-transactions")), job.settings().startTimeout());
    }

    /** Every exactly-once sink of the job, with its transaction's state. */
    public List<SinkTransaction> list() {
        List<SinkTransaction> out = new ArrayList<>();
        for (String sink : plan.exactlyOnceSinks()) {
            out.add(describe(sink));
        }
        return out;
    }

    /** The state of sink {@code sinkId}'s transactional id. */
    public SinkTransaction describe(String sinkId) {
        String id = transactionalId(sinkId);
        try {
            TransactionDescription d = admin.describeTransactions(List.of(id)).description(id)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Optional<Instant> started = d.transactionStartTimeMs().isPresent()
                    ? Optional.of(Instant.ofEpochMilli(d.transactionStartTimeMs().getAsLong())) : Optional.empty();
            return new SinkTransaction(sinkId, id, Optional.of(d.state()), d.producerId(), d.producerEpoch(), started,
                    Set.copyOf(d.topicPartitions()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return new SinkTransaction(sinkId, id, Optional.empty(), -1, -1, Optional.empty(), Set.of());
            }
            throw unavailable("describe transactional id '" + id + "'", e.getCause());
        } catch (Exception e) {
            throw unavailable("describe transactional id '" + id + "'", e);
        }
    }

    /**
     * Aborts sink {@code sinkId}'s open transaction, if any, by fencing its transactional id
     * ({@code Admin.fenceProducers}: the coordinator bumps the epoch and writes abort markers).
     *
     * @return whether a transaction was open before
     */
    public boolean abort(String sinkId) {
        SinkTransaction before = describe(sinkId);
        if (before.state().isEmpty()) {
            return false;
        }
        try {
            admin.fenceProducers(List.of(before.transactionalId())).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unavailable("fence transactional id '" + before.transactionalId() + "'", e.getCause());
        } catch (Exception e) {
            throw unavailable("fence transactional id '" + before.transactionalId() + "'", e);
        }
        return before.open();
    }

    private String transactionalId(String sinkId) {
        if (!plan.exactlyOnceSinks().contains(sinkId)) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "job '" + plan.jobId() + "' has no exactly-once"
                    + " sink '" + sinkId + "'; its exactly-once sinks are " + plan.exactlyOnceSinks());
        }
        return plan.sinkTransactionalId(sinkId);
    }

    private static CairnException unavailable(String what, Throwable e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new CairnException(CairnException.Reason.UNAVAILABLE, "cannot " + what + ": " + e, e);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
