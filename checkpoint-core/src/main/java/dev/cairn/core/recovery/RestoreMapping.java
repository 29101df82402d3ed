package dev.cairn.core.recovery;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An explicit mapping that lets a checkpoint restore into a job whose ids differ: operators renamed
 * (old id to new id) and states renamed per operator (new operator id to (old name to new name)).
 * Anything else that differs is still refused.
 */
public record RestoreMapping(Map<String, String> operators, Map<String, Map<String, String>> states) {
    public RestoreMapping {
        operators = Collections.unmodifiableMap(new TreeMap<>(operators));
        Map<String, Map<String, String>> s = new TreeMap<>();
        states.forEach((op, m) -> s.put(op, Collections.unmodifiableMap(new TreeMap<>(m))));
        states = Collections.unmodifiableMap(s);
    }

    public static RestoreMapping none() {
        return new RestoreMapping(Map.of(), Map.of());
    }

    /** The id an operator of the checkpoint has in the job. */
    public String operator(String oldId) {
        return operators.getOrDefault(oldId, oldId);
    }

    /** The name a state of the checkpoint has in the job, for (new) operator {@code operatorId}. */
    public String state(String operatorId, String oldName) {
        return states.getOrDefault(operatorId, Map.of()).getOrDefault(oldName, oldName);
    }
}
