package dev.cairn.cli.demo;

import dev.cairn.core.Emitter;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.ValueState;

import java.util.List;

/**
 * One account of the bank demo, written as a user would write an operator: its balance and its
 * random-number state live in cairn state (so a restore brings both back exactly), it handles one
 * record at a time, and it never creates or destroys money — it only moves it to a neighbour.
 *
 * <p>Input: ticks from the source (value = the index of the account the tick is for; the others
 * ignore it), on which the account sends part of its balance to a random neighbour; and transfers
 * from neighbours (value = the amount), which it adds, sometimes passing part of it on at once so
 * that money keeps circulating around the cycles of the graph.
 */
final class BankAccount implements Operator {
    /** Every account starts with this balance; the bank's total is accounts × this. */
    static final long INITIAL_BALANCE = 1_000_000;

    private final int index;
    private final String ticksSource;
    private final List<String> neighbours;
    private final long seed;
    private ValueState<Long> balance;
    private ValueState<Long> random;

    BankAccount(int index, String ticksSource, List<String> neighbours, long seed) {
        if (neighbours.isEmpty()) {
            throw new IllegalArgumentException("account " + index + " has no neighbour to send money to");
        }
        this.index = index;
        this.ticksSource = ticksSource;
        this.neighbours = List.copyOf(neighbours);
        this.seed = seed;
    }

    @Override
    public void open(OperatorContext context) {
        balance = context.state().value("balance", Serdes.longs());
        random = context.state().value("random", Serdes.longs());
        if (!context.isRestored()) {
            balance.set(INITIAL_BALANCE);
            random.set(seed);
        }
    }

    @Override
    public void process(Record record, Emitter out) {
        long b = balance.get();
        if (record.from().equals(ticksSource)) {
            if (Serdes.ints().deserialize(record.value()) != index) {
                return;
            }
            b -= send(out, b / 10);
        } else {
            b += Serdes.longs().deserialize(record.value());
            if ((next() & 3) == 0) {
                b -= send(out, b / 20);
            }
        }
        balance.set(b);
    }

    /** Sends a random amount in [0, limit] to a random neighbour; returns the amount sent. */
    private long send(Emitter out, long limit) {
        long amount = next() % (limit + 1);
        if (amount > 0) {
            out.emit(neighbours.get((int) (next() % neighbours.size())), null, Serdes.longs().serialize(amount));
        }
        return amount;
    }

    /** A linear congruential step; its state is checkpointed, so a replay draws the same numbers. */
    private long next() {
        long x = random.get() * 6364136223846793005L + 1442695040888963407L;
        random.set(x);
        return x >>> 1;
    }

    /** The balance held in a restored state (for the audit). */
    static long balanceIn(StateRegistry state) {
        Long b = state.value("balance", Serdes.longs()).get();
        return b == null ? 0 : b;
    }
}
