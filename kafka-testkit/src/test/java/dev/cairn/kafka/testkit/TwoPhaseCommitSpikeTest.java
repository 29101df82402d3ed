package dev.cairn.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.PreparedTxnState;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spike (issue 6): does Kafka 4.4.0's two-phase-commit participation (KIP-939) let a sink prepare a
 * transaction at checkpoint n, crash, and have a new process commit it after n's manifest is durable?
 * These tests stay as living documentation of what the 4.4.0 client and broker actually do; the
 * findings are written up in docs/EXACTLY-ONCE-SPIKE.md. When a Kafka upgrade makes
 * {@link #kafkaClients440HasNoPublicTwoPhaseCommitApi()} fail, revisit the spike.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TwoPhaseCommitSpikeTest {
    /** The producer default of transaction.timeout.ms, which a 2PC-configured producer cannot change. */
    private static final int DEFAULT_TXN_TIMEOUT_MS = 60_000;
    private static final int MAX_TXN_TIMEOUT_MS = 120_000;

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBrokerWithTwoPhaseCommitEnabled() {
        broker = EmbeddedKafkaBroker.builder()
                .twoPhaseCommit(true)
                // InitProducerId v6 (the 2PC fields) is marked unstable in 4.4.0: give 2PC every chance
                .brokerProperty("unstable.api.versions.enable", "true")
                .brokerProperty("transaction.max.timeout.ms", Integer.toString(MAX_TXN_TIMEOUT_MS))
                // look for timed-out transactions often, so test (4) does not wait the default 10 s
                .brokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "200")
                .start();
        admin = Admin.create(broker.clientProperties());
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    // ---- what the 4.4.0 jar offers ------------------------------------------------------------

    @Test
    void kafkaClients440HasNoPublicTwoPhaseCommitApi() throws Exception {
        for (Class<?> type : List.of(KafkaProducer.class, Producer.class)) {
            Set<String> methods = Arrays.stream(type.getMethods()).map(Method::getName).collect(Collectors.toSet());
            assertThat(methods).as(type.getSimpleName()).contains("initTransactions", "commitTransaction")
                    .doesNotContain("prepareTransaction", "completeTransaction");
            assertThatThrownBy(() -> type.getMethod("initTransactions", boolean.class))
                    .as(type.getSimpleName() + ".initTransactions(boolean keepPreparedTxn)")
                    .isInstanceOf(NoSuchMethodException.class);
        }
        // the config key and the state class did survive the revert
        assertThat(ProducerConfig.TRANSACTION_TWO_PHASE_COMMIT_ENABLE_CONFIG).isEqualTo("transaction.two.phase.commit.enable");
        assertThat(PreparedTxnState.class.getConstructor(String.class)).isNotNull();
    }

    @Test
    void preparedTxnStateSerializesAsProducerIdColonEpoch() {
        PreparedTxnState state = new PreparedTxnState("4711:3");

        assertThat(state.producerId()).isEqualTo(4711L);
        assertThat(state.epoch()).isEqualTo((short) 3);
        assertThat(state.hasTransaction()).isTrue();
        assertThat(state.toString()).isEqualTo("4711:3");
        assertThat(new PreparedTxnState(state.toString())).isEqualTo(state);
        assertThat(new PreparedTxnState().hasTransaction()).isFalse();
        assertThatThrownBy(() -> new PreparedTxnState("4711")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoPhaseCommitProducerConfigForbidsATransactionTimeout() {
        assertThatThrownBy(() -> Clients.producer(broker.clientProperties(), Map.of(
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "spike-timeout-config",
                        ProducerConfig.TRANSACTION_TWO_PHASE_COMMIT_ENABLE_CONFIG, "true",
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "Cannot set transaction.timeout.ms when transaction.two.phase.commit.enable is set to true");
    }

    @Test
    void twoPhaseCommitFlagNeverReachesTheBroker(EmbeddedKafkaBroker brokerWith2pcDisabled) throws Exception {
        // (a) a broker with transaction.two.phase.commit.enable=false must reject a 2PC InitProducerId;
        //     the shared test broker accepts this producer, so the client did not ask for 2PC
        String id = TestTopics.unique("spike-2pc-off");
        try (KafkaProducer<String, String> producer = twoPhaseCommitProducer(brokerWith2pcDisabled.clientProperties(), id)) {
            producer.initTransactions();
        }

        // (b) on the 2PC-enabled broker, the coordinator records an ordinary, expiring transaction:
        //     a 2PC transaction would carry transactionTimeoutMs = Integer.MAX_VALUE (it never expires)
        String topic = newTopic("spike-2pc-on");
        String txId = TestTopics.unique("spike-2pc-on");
        try (KafkaProducer<String, String> producer = twoPhaseCommitProducer(broker.clientProperties(), txId)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "x"));
            producer.flush();

            TransactionDescription txn = describe(txId);
            assertThat(txn.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(txn.transactionTimeoutMs()).isEqualTo(DEFAULT_TXN_TIMEOUT_MS).isNotEqualTo(Integer.MAX_VALUE);
            producer.abortTransaction();
        }
    }

    // ---- (1) (2) (3) a "prepared" (flushed, uncommitted) transaction and a crash of its process ----

    @Test
    void flushedTransactionOfASigkilledProcessStallsReadCommittedThenIsOnlyEverAborted(@TempDir Path dir) throws Exception {
        String topic = newTopic("spike-crash");
        String txId = TestTopics.unique("job-sink-0");
        int count = 50;
        TransactionDescription prepared;
        PreparedTxnState saved;
        ChildJvm child = ChildJvm.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), TransactionalChild.class.getName(),
                List.of(broker.bootstrapServers(), txId, topic, Integer.toString(count)), dir.resolve("child.log"));
        try {
            child.awaitLine(TransactionalChild.FLUSHED, Duration.ofSeconds(60));

            // what a sink would store in the checkpoint manifest: producer id and epoch, "id:epoch"
            prepared = describe(txId);
            assertThat(prepared.state()).isEqualTo(TransactionState.ONGOING);
            assertThat(prepared.topicPartitions()).containsExactly(new TopicPartition(topic, 0));
            saved = new PreparedTxnState(prepared.producerId() + ":" + prepared.producerEpoch());

            // (3) the open transaction holds back the last stable offset: read_committed sees nothing
            assertThat(Clients.endOffset(admin, topic, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(count);
            assertThat(Clients.endOffset(admin, topic, IsolationLevel.READ_COMMITTED)).isZero();
            assertThat(Clients.readAll(broker.clientProperties(), topic, IsolationLevel.READ_UNCOMMITTED, count)).hasSize(count);
            // and an admin tool finds it by the job's transactional-id pattern
            assertThat(listOpen("job-sink-.*")).extracting(TransactionListing::transactionalId).contains(txId);

            assertThat(child.kill()).isEqualTo(137);
        } finally {
            if (child.isAlive()) {
                child.kill();
            }
        }
        // still open after the producer's process died: nothing on the broker side noticed
        assertThat(describe(txId).state()).isEqualTo(TransactionState.ONGOING);

        // (1) the only recovery 4.4.0 offers a new instance is initTransactions(), which aborts;
        //     initTransactions(true) + completeTransaction(saved) do not exist
        try (KafkaProducer<String, String> successor = twoPhaseCommitProducer(broker.clientProperties(), txId)) {
            successor.initTransactions();
        }
        // (2) the records are never visible to read_committed, and the stall is over
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Clients.endOffset(admin, topic, IsolationLevel.READ_COMMITTED))
                        .isEqualTo(Clients.endOffset(admin, topic, IsolationLevel.READ_UNCOMMITTED)));
        assertThat(readCommittedValues(topic)).isEmpty();
        TransactionDescription after = describe(txId);
        assertThat(after.producerId()).isEqualTo(prepared.producerId());
        assertThat(after.producerEpoch()).isGreaterThan(prepared.producerEpoch());
        // the saved "prepared state" now names an epoch the coordinator has moved past: nothing to complete
        assertThat(new PreparedTxnState(after.producerId() + ":" + after.producerEpoch())).isNotEqualTo(saved);
    }

    @Test
    void adminFenceProducersAbortsTheOpenTransactionsOfADeadSink(@TempDir Path dir) throws Exception {
        String topic = newTopic("spike-fence");
        String txId = TestTopics.unique("fencejob-sink-0");
        ChildJvm child = ChildJvm.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), TransactionalChild.class.getName(),
                List.of(broker.bootstrapServers(), txId, topic, "10"), dir.resolve("child.log"));
        try {
            child.awaitLine(TransactionalChild.FLUSHED, Duration.ofSeconds(60));
            child.kill();
        } finally {
            if (child.isAlive()) {
                child.kill();
            }
        }
        // the admin path for "list and abort a job's prepared transactions"
        List<String> open = listOpen("fencejob-sink-.*").stream().map(TransactionListing::transactionalId).toList();
        assertThat(open).containsExactly(txId);
        admin.fenceProducers(open).all().get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Clients.endOffset(admin, topic, IsolationLevel.READ_COMMITTED)).isEqualTo(11));
        assertThat(readCommittedValues(topic)).isEmpty();
        assertThat(listOpen("fencejob-sink-.*")).isEmpty();
    }

    // ---- (4) timeouts ----------------------------------------------------------------------------

    @Test
    void brokerAbortsAnAbandonedTransactionAfterItsTimeout() throws Exception {
        String topic = newTopic("spike-timeout");
        String txId = TestTopics.unique("spike-timeout");
        KafkaProducer<String, String> abandoned = Clients.producer(broker.clientProperties(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000));
        try {
            abandoned.initTransactions();
            abandoned.beginTransaction();
            abandoned.send(new ProducerRecord<>(topic, 0, null, "late"));
            abandoned.flush();
            short epoch = (short) describe(txId).producerEpoch();

            // the coordinator aborts it on its own once transaction.timeout.ms has passed
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                TransactionDescription d = describe(txId);
                assertThat(d.state()).isIn(TransactionState.COMPLETE_ABORT, TransactionState.EMPTY);
                assertThat(d.producerEpoch()).isGreaterThan(epoch);
            });
            assertThat(readCommittedValues(topic)).isEmpty();

            // a commit after the timeout fails: the coordinator bumped the epoch when it aborted
            assertThatThrownBy(abandoned::commitTransaction).isInstanceOf(InvalidTxnStateException.class)
                    .hasMessageContaining("invalid state");
        } finally {
            abandoned.close(Duration.ZERO);
        }
    }

    @Test
    void transactionTimeoutAboveTheBrokersMaximumIsRejectedAtInit() {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.clientProperties(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestTopics.unique("spike-max"),
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, MAX_TXN_TIMEOUT_MS + 1))) {
            assertThatThrownBy(producer::initTransactions).isInstanceOf(KafkaException.class)
                    .hasMessageContaining("The transaction timeout is larger than the maximum value allowed by the broker"
                            + " (as configured by transaction.max.timeout.ms)");
        }
    }

    // ---- (5) fencing -----------------------------------------------------------------------------

    @Test
    void newInstanceWithTheSameTransactionalIdFencesTheOldOneAndAbortsItsTransaction() throws Exception {
        String topic = newTopic("spike-fencing");
        String txId = TestTopics.unique("spike-fencing");
        try (KafkaProducer<String, String> old = twoPhaseCommitProducer(broker.clientProperties(), txId)) {
            old.initTransactions();
            old.beginTransaction();
            old.send(new ProducerRecord<>(topic, 0, null, "zombie"));
            old.flush();

            try (KafkaProducer<String, String> successor = twoPhaseCommitProducer(broker.clientProperties(), txId)) {
                successor.initTransactions();
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(topic, 0, null, "live"));
                successor.commitTransaction();
            }

            assertThatThrownBy(old::commitTransaction).isInstanceOf(ProducerFencedException.class)
                    .hasMessageContaining("fence");
        }
        assertThat(readCommittedValues(topic)).containsExactly("live");
    }

    // ---- what Flink does without KIP-939: resume by producer id and epoch (internals) ------------

    @Test
    void resumingByProducerIdAndEpochThroughInternalsCommitsADeadProcesssTransaction(@TempDir Path dir) throws Exception {
        String topic = newTopic("spike-resume");
        String txId = TestTopics.unique("resumejob-sink-0");
        ChildJvm child = ChildJvm.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), TransactionalChild.class.getName(),
                List.of(broker.bootstrapServers(), txId, topic, "5"), dir.resolve("child.log"));
        TransactionDescription open;
        try {
            child.awaitLine(TransactionalChild.FLUSHED, Duration.ofSeconds(60));
            open = describe(txId);
            child.kill();
        } finally {
            if (child.isAlive()) {
                child.kill();
            }
        }
        PreparedTxnState saved = new PreparedTxnState(open.producerId() + ":" + open.producerEpoch());

        try (KafkaProducer<String, String> resumer = Clients.producer(broker.clientProperties(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId))) {
            resumer.partitionsFor(topic); // connect, so the client learns the broker's API versions and features
            InternalTransactionResume.resume(resumer, saved.producerId(), saved.epoch());
            resumer.commitTransaction();
        }

        assertThat(readCommittedValues(topic)).containsExactly("child-0", "child-1", "child-2", "child-3", "child-4");
        TransactionDescription committed = describe(txId);
        assertThat(committed.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(committed.producerEpoch()).as("transaction version 2 bumps the epoch at commit").isEqualTo(saved.epoch() + 1);

        // a restore that runs twice (crash right after its commit) commits again: the coordinator takes
        // it as a retry of the finished commit and answers success; nothing is duplicated
        try (KafkaProducer<String, String> again = Clients.producer(broker.clientProperties(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId))) {
            again.partitionsFor(topic);
            InternalTransactionResume.resume(again, saved.producerId(), saved.epoch());
            again.commitTransaction();
        }
        assertThat(readCommittedValues(topic)).hasSize(5);
        assertThat(describe(txId).producerEpoch()).isEqualTo(saved.epoch() + 1);
    }

    @Test
    void resumingATransactionTheBrokerAlreadyFinishedFailsLoudly() throws Exception {
        String topic = newTopic("spike-resume-late");
        String txId = TestTopics.unique("spike-resume-late");
        KafkaProducer<String, String> abandoned = Clients.producer(broker.clientProperties(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000));
        PreparedTxnState saved;
        try {
            abandoned.initTransactions();
            abandoned.beginTransaction();
            abandoned.send(new ProducerRecord<>(topic, 0, null, "lost"));
            abandoned.flush();
            TransactionDescription open = describe(txId);
            saved = new PreparedTxnState(open.producerId() + ":" + open.producerEpoch());
            // the coordinator aborts it after transaction.timeout.ms
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(describe(txId).state()).isIn(TransactionState.COMPLETE_ABORT, TransactionState.EMPTY));
        } finally {
            abandoned.close(Duration.ZERO);
        }

        // a late "commit" of the saved state must not pretend to succeed: the records are gone
        try (KafkaProducer<String, String> resumer = Clients.producer(broker.clientProperties(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId))) {
            resumer.partitionsFor(topic);
            InternalTransactionResume.resume(resumer, saved.producerId(), saved.epoch());
            assertThatThrownBy(resumer::commitTransaction).isInstanceOf(InvalidTxnStateException.class)
                    .hasMessageContaining("invalid state");
        }
        assertThat(readCommittedValues(topic)).isEmpty();
        // how a restore tells "aborted under us" (data lost) from "committed already" (see the test above)
        TransactionDescription after = describe(txId);
        assertThat(after.state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(after.producerEpoch()).isEqualTo(saved.epoch() + 1);
    }

    // ---- the building block of the alternative: a commit marker inside the transaction ----------

    @Test
    void groupOffsetCommittedInTheTransactionTellsARestartWhetherItsCheckpointWasCommitted(@TempDir Path dir) throws Exception {
        String topic = newTopic("spike-marker-out");
        String markers = newTopic("spike-marker");
        String group = TestTopics.unique("cairn-job-sink");
        String txId = TestTopics.unique("markerjob-sink");
        TopicPartition marker = new TopicPartition(markers, 0);

        // checkpoint 7's output committed together with the marker "7"
        try (KafkaProducer<String, String> sink = Clients.producer(broker.clientProperties(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId))) {
            sink.initTransactions();
            sink.beginTransaction();
            sink.send(new ProducerRecord<>(topic, 0, null, "chk7"));
            sink.sendOffsetsToTransaction(Map.of(marker, new OffsetAndMetadata(7, "checkpoint")), new ConsumerGroupMetadata(group));
            sink.commitTransaction();
        }
        assertThat(committedMarker(group, marker)).isEqualTo(7);

        // checkpoint 8's commit dies half-way (process SIGKILLed before commitTransaction)
        ChildJvm child = ChildJvm.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), TransactionalChild.class.getName(),
                List.of(broker.bootstrapServers(), txId, topic, "3", markers, group, "8"), dir.resolve("child.log"));
        try {
            child.awaitLine(TransactionalChild.FLUSHED, Duration.ofSeconds(60));
            child.kill();
        } finally {
            if (child.isAlive()) {
                child.kill();
            }
        }

        // the restarted sink fences first, then reads the marker (stable): 7, so it must redo 8
        try (KafkaProducer<String, String> restarted = Clients.producer(broker.clientProperties(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId))) {
            restarted.initTransactions();
            assertThat(committedMarker(group, marker)).isEqualTo(7);
            restarted.beginTransaction();
            restarted.send(new ProducerRecord<>(topic, 0, null, "chk8"));
            restarted.sendOffsetsToTransaction(Map.of(marker, new OffsetAndMetadata(8, "checkpoint")), new ConsumerGroupMetadata(group));
            restarted.commitTransaction();
        }
        assertThat(committedMarker(group, marker)).isEqualTo(8);
        assertThat(readCommittedValues(topic)).containsExactly("chk7", "chk8");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static KafkaProducer<String, String> twoPhaseCommitProducer(Map<String, Object> base, String transactionalId) {
        return Clients.producer(base, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TWO_PHASE_COMMIT_ENABLE_CONFIG, "true"));
    }

    private static String newTopic(String prefix) {
        String topic = TestTopics.unique(prefix);
        broker.createTopic(topic, 1);
        return topic;
    }

    private static TransactionDescription describe(String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get(30, TimeUnit.SECONDS);
    }

    private static List<TransactionListing> listOpen(String transactionalIdPattern) throws Exception {
        return List.copyOf(admin.listTransactions(new ListTransactionsOptions()
                        .filterStates(List.of(TransactionState.ONGOING))
                        .filterOnTransactionalIdPattern(transactionalIdPattern))
                .all().get(30, TimeUnit.SECONDS));
    }

    private static long committedMarker(String group, TopicPartition marker) throws Exception {
        OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(marker);
        return committed == null ? -1 : committed.offset();
    }

    /** Everything a read_committed consumer sees on partition 0, read up to the current end. */
    private static List<String> readCommittedValues(String topic) throws ExecutionException, InterruptedException,
            TimeoutException {
        // commit and abort markers are written after the coordinator answered: wait until nothing is open
        long end = await().atMost(Duration.ofSeconds(30)).until(() -> {
            long lso = Clients.endOffset(admin, topic, IsolationLevel.READ_COMMITTED);
            return lso == Clients.endOffset(admin, topic, IsolationLevel.READ_UNCOMMITTED) ? lso : -1L;
        }, e -> e >= 0);
        try (var consumer = Clients.consumer(broker.clientProperties(), IsolationLevel.READ_COMMITTED)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> values = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                return consumer.position(tp) >= end;
            });
            return values;
        }
    }
}
