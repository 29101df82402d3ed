package dev.cairn.core.simulation;

import dev.cairn.core.Emitter;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.ValueState;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.OperatorNode;
import dev.cairn.core.topology.Topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A bank: every operator is an account; sources receive "ticks" from outside and send part of
 * their balance to a neighbour; an account that receives money keeps it or passes part on. Money
 * is never created or destroyed, so in every consistent snapshot the balances plus the amounts in
 * flight equal the initial total. Every decision comes from state (the account's own random
 * generator is state too), so a restored account behaves like the one it replaces.
 */
public final class BankWorkload implements Workload {
    public static final long INITIAL_BALANCE = 1_000;

    private final Topology topology;
    private final Map<String, List<byte[][]>> external;
    private final long seed;

    public BankWorkload(Topology topology, int ticksPerSource, long seed) {
        this.topology = topology;
        this.seed = seed;
        Random random = new Random(seed);
        Map<String, List<byte[][]>> ext = new LinkedHashMap<>();
        for (OperatorNode n : topology.operators()) {
            for (String in : new TreeSet<>(n.externalInputs())) {
                List<byte[][]> ticks = new ArrayList<>();
                for (int i = 0; i < ticksPerSource; i++) {
                    ticks.add(new byte[][]{null, Serdes.longs().serialize(random.nextLong())});
                }
                ext.put(in, ticks);
            }
        }
        this.external = ext;
    }

    @Override
    public String name() {
        return "bank";
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public Map<String, List<byte[][]>> externalInputs() {
        return external;
    }

    @Override
    public Operator create(String operatorId) {
        List<String> outputs = new ArrayList<>();
        for (ChannelId c : topology.outputsOf(operatorId)) {
            outputs.add(c.to());
        }
        Set<String> ext = topology.operator(operatorId).orElseThrow().externalInputs();
        return new Account(outputs, ext, seed ^ operatorId.hashCode());
    }

    @Override
    public Object view(String operatorId, StateRegistry state) {
        return balance(state);
    }

    /** An account's balance as its state holds it (null before it opened). */
    public static Long balance(StateRegistry state) {
        return state.value("balance", Serdes.longs()).get();
    }

    @Override
    public List<String> checkSnapshot(Map<String, Object> views, Map<ChannelId, List<byte[]>> inFlight,
                                      Map<String, Long> externalOffsets) {
        long total = 0;
        for (Object v : views.values()) {
            total += v == null ? 0 : (Long) v;
        }
        long moving = 0;
        for (List<byte[]> values : inFlight.values()) {
            for (byte[] v : values) {
                moving += Serdes.longs().deserialize(v);
            }
        }
        long expected = INITIAL_BALANCE * topology.operators().size();
        if (total + moving != expected) {
            return List.of("bank total " + (total + moving) + " (balances " + total + " + in flight " + moving
                    + ") != " + expected);
        }
        return List.of();
    }

    @Override
    public List<String> checkFinal(Map<String, Object> views) {
        return checkSnapshot(views, Map.of(), Map.of());
    }

    /**
     * One account: on a record from one of {@code externalInputs} (a tick) it sends a random part of
     * its balance to a random output; on a transfer it adds the amount and may pass part on. Every
     * choice comes from a generator kept in state, so a restored account decides as the original.
     */
    public static final class Account implements Operator {
        private final List<String> outputs;
        private final Set<String> externalInputs;
        private final long seed;
        private ValueState<Long> balance;
        private ValueState<Long> rng;

        public Account(List<String> outputs, Set<String> externalInputs, long seed) {
            this.outputs = outputs;
            this.externalInputs = externalInputs;
            this.seed = seed;
        }

        @Override
        public void open(OperatorContext context) {
            balance = context.state().value("balance", Serdes.longs());
            rng = context.state().value("rng", Serdes.longs());
            if (!context.isRestored()) {
                balance.set(INITIAL_BALANCE);
                rng.set(seed);
            }
        }

        private long next() {
            long x = rng.get() * 6364136223846793005L + 1442695040888963407L;
            rng.set(x);
            return x >>> 1;
        }

        @Override
        public void process(Record record, Emitter out) {
            long b = balance.get();
            if (externalInputs.contains(record.from())) {
                if (!outputs.isEmpty()) {
                    long amount = next() % (b / 2 + 1);
                    if (amount > 0) {
                        b -= amount;
                        out.emit(outputs.get((int) (next() % outputs.size())), null, Serdes.longs().serialize(amount));
                    }
                }
            } else {
                b += Serdes.longs().deserialize(record.value());
                if (!outputs.isEmpty() && (next() & 1) == 0) {
                    long amount = next() % (b / 3 + 1);
                    if (amount > 0) {
                        b -= amount;
                        out.emit(outputs.get((int) (next() % outputs.size())), null, Serdes.longs().serialize(amount));
                    }
                }
            }
            balance.set(b);
        }
    }
}
