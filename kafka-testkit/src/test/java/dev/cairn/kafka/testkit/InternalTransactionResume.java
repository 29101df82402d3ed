package dev.cairn.kafka.testkit;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.internals.ProducerIdAndEpoch;

/**
 * Spike only, NOT for production code: the "resume a transaction by producer id and epoch" trick
 * that Flink's KafkaSink has used since before KIP-939 (FlinkKafkaInternalProducer#resumeTransaction).
 * A fresh producer, instead of calling initTransactions() (which would abort the open transaction),
 * is forced into IN_TRANSACTION with the saved producer id and epoch through reflection into
 * kafka-clients' internal TransactionManager; commitTransaction() then sends EndTxn(COMMIT) for the
 * transaction the dead process left open. Depends on private names of kafka-clients 4.4.0
 * (4.4 moved ProducerIdAndEpoch to common.utils.internals): any upgrade may break it.
 */
final class InternalTransactionResume {
    private InternalTransactionResume() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static void resume(KafkaProducer<?, ?> producer, long producerId, short epoch) throws ReflectiveOperationException {
        Field tmField = KafkaProducer.class.getDeclaredField("transactionManager");
        tmField.setAccessible(true);
        Object tm = tmField.get(producer);
        Class<?> tmClass = tm.getClass();
        Class<? extends Enum> state = (Class<? extends Enum>) Class.forName(tmClass.getName() + "$State");
        Method transitionTo = tmClass.getDeclaredMethod("transitionTo", state);
        transitionTo.setAccessible(true);
        Method setProducerIdAndEpoch = tmClass.getDeclaredMethod("setProducerIdAndEpoch", ProducerIdAndEpoch.class);
        setProducerIdAndEpoch.setAccessible(true);
        Field started = tmClass.getDeclaredField("transactionStarted");
        started.setAccessible(true);
        synchronized (tm) {
            transitionTo.invoke(tm, Enum.valueOf(state, "INITIALIZING"));
            setProducerIdAndEpoch.invoke(tm, new ProducerIdAndEpoch(producerId, epoch));
            transitionTo.invoke(tm, Enum.valueOf(state, "READY"));
            // the coordinator runs transaction version 2 (KIP-890); tell the client, as initTransactions() would
            tmClass.getMethod("maybeUpdateTransactionV2Enabled", boolean.class).invoke(tm, true);
            transitionTo.invoke(tm, Enum.valueOf(state, "IN_TRANSACTION"));
            started.setBoolean(tm, true);
        }
    }
}
