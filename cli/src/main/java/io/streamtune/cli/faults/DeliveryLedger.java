package io.streamtune.cli.faults;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * What the fault suite produced and what came back, per record id: the accounting behind "lost" and
 * "duplicated". Pure and thread-safe (the feed, the reader and the scenario call it from their own
 * threads); it knows nothing of Kafka.
 *
 * <ul>
 *   <li>An <em>event</em> (or an injected record) is <b>accounted</b> when it has at least one prediction
 *       or one dead letter; <b>lost</b> when it has neither.</li>
 *   <li>An event is <b>duplicated</b> when it has more than one prediction (read read_committed: under
 *       exactly-once a reader never sees two).</li>
 *   <li>Outcomes may arrive before the producer's acknowledgement; they are kept by id and joined when
 *       counting. An outcome for an id never produced counts as <b>unexpected</b>.</li>
 * </ul>
 *
 * <pre>{@code
 * DeliveryLedger ledger = new DeliveryLedger();
 * ledger.produced("e-1", Kind.EVENT, 0, now);
 * ledger.predicted("e-1", 3, now + 80);
 * ledger.counts(0).lost();   // 0
 * }</pre>
 */
public final class DeliveryLedger {

    /** What a produced record is, and so what outcome it must have. */
    public enum Kind {
        /** A valid event: needs exactly one prediction (or a dead letter, e.g. once a size limit applies). */
        EVENT,
        /** A labelled example: only its dead letters are counted (the trainer consumes the rest). */
        EXAMPLE,
        /** A record injected by a fault step (too large, malformed): needs a prediction or a dead letter. */
        INJECTED
    }

    /**
     * The figures of one step, over the records produced while it was the current step.
     *
     * @param eventsIn              events acknowledged by the broker
     * @param injectedIn            records injected by the step
     * @param examplesIn            labelled examples acknowledged by the broker
     * @param sendFailures          records the producer gave up on (not expected anywhere)
     * @param predictions           prediction records of the step's events and injected records
     * @param deadLetters           dead letters of the step's events and injected records, by reason
     * @param exampleDeadLetters    dead letters of the step's examples, by reason
     * @param lost                  events and injected records with neither a prediction nor a dead letter
     * @param duplicated            events and injected records with more than one prediction
     * @param predictedAndDeadLettered events and injected records with both a prediction and a dead letter
     */
    public record StepCounts(
            long eventsIn,
            long injectedIn,
            long examplesIn,
            long sendFailures,
            long predictions,
            Map<String, Long> deadLetters,
            Map<String, Long> exampleDeadLetters,
            long lost,
            long duplicated,
            long predictedAndDeadLettered) {
        public StepCounts {
            deadLetters = Map.copyOf(deadLetters);
            exampleDeadLetters = Map.copyOf(exampleDeadLetters);
        }

        /** Dead letters of events and injected records, all reasons. */
        public long deadLetterTotal() {
            return deadLetters.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private record Produced(Kind kind, int step, long atMillis) {}

    /** Everything that came back for one id. */
    private static final class Outcome {
        int predictions;
        long firstPredictionAt = Long.MAX_VALUE;
        long lastModelVersion = -1;
        final Map<String, Integer> deadLetters = new TreeMap<>();
    }

    private final Map<String, Produced> produced = new HashMap<>();
    private final Map<String, Outcome> outcomes = new HashMap<>();
    private final Map<Integer, Long> sendFailures = new HashMap<>();

    /** A record was acknowledged by the broker while {@code step} was the current step. */
    public synchronized void produced(String id, Kind kind, int step, long atMillis) {
        produced.put(id, new Produced(kind, step, atMillis));
    }

    /** The producer gave up on a record of {@code step}; it is expected nowhere. */
    public synchronized void sendFailed(int step) {
        sendFailures.merge(step, 1L, Long::sum);
    }

    /** A prediction for {@code id}, made by {@code modelVersion}, was read at {@code atMillis}. */
    public synchronized void predicted(String id, long modelVersion, long atMillis) {
        Outcome o = outcomes.computeIfAbsent(id, k -> new Outcome());
        o.predictions++;
        o.firstPredictionAt = Math.min(o.firstPredictionAt, atMillis);
        o.lastModelVersion = modelVersion;
    }

    /** A dead letter for {@code id} with {@code reason} was read. */
    public synchronized void deadLettered(String id, String reason) {
        outcomes.computeIfAbsent(id, k -> new Outcome())
                .deadLetters
                .merge(reason == null ? "(no reason)" : reason, 1, Integer::sum);
    }

    /** The figures of one step, as far as outcomes have been read. */
    public synchronized StepCounts counts(int step) {
        long events = 0;
        long injected = 0;
        long examples = 0;
        long predictions = 0;
        long lost = 0;
        long duplicated = 0;
        long both = 0;
        Map<String, Long> deadLetters = new TreeMap<>();
        Map<String, Long> exampleDeadLetters = new TreeMap<>();
        for (Map.Entry<String, Produced> e : produced.entrySet()) {
            Produced p = e.getValue();
            if (p.step() != step) {
                continue;
            }
            Outcome o = outcomes.get(e.getKey());
            if (p.kind() == Kind.EXAMPLE) {
                examples++;
                if (o != null) {
                    o.deadLetters.forEach((reason, n) -> exampleDeadLetters.merge(reason, (long) n, Long::sum));
                }
                continue;
            }
            if (p.kind() == Kind.EVENT) {
                events++;
            } else {
                injected++;
            }
            if (o == null || (o.predictions == 0 && o.deadLetters.isEmpty())) {
                lost++;
                continue;
            }
            predictions += o.predictions;
            o.deadLetters.forEach((reason, n) -> deadLetters.merge(reason, (long) n, Long::sum));
            if (o.predictions > 1) {
                duplicated++;
            }
            if (o.predictions > 0 && !o.deadLetters.isEmpty()) {
                both++;
            }
        }
        return new StepCounts(
                events,
                injected,
                examples,
                sendFailures.getOrDefault(step, 0L),
                predictions,
                deadLetters,
                exampleDeadLetters,
                lost,
                duplicated,
                both);
    }

    /** Whether every event and injected record of {@code step} has a prediction or a dead letter. */
    public synchronized boolean accounted(int step) {
        for (Map.Entry<String, Produced> e : produced.entrySet()) {
            Produced p = e.getValue();
            if (p.step() == step && p.kind() != Kind.EXAMPLE && !isAccounted(outcomes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Whether every event and injected record of every step is accounted. */
    public synchronized boolean allAccounted() {
        return produced.entrySet().stream()
                .allMatch(e -> e.getValue().kind() == Kind.EXAMPLE || isAccounted(outcomes.get(e.getKey())));
    }

    /** Events and injected records, of any step, not accounted yet. */
    public synchronized long unaccounted() {
        return produced.entrySet().stream()
                .filter(e -> e.getValue().kind() != Kind.EXAMPLE && !isAccounted(outcomes.get(e.getKey())))
                .count();
    }

    /** Whether {@code id} has a prediction or a dead letter. */
    public synchronized boolean accounted(String id) {
        return isAccounted(outcomes.get(id));
    }

    /** The dead-letter reasons read for {@code id} (empty when none). */
    public synchronized Map<String, Integer> deadLetterReasons(String id) {
        Outcome o = outcomes.get(id);
        return o == null ? Map.of() : Map.copyOf(o.deadLetters);
    }

    /** The model version of the last prediction read for {@code id}, or empty. */
    public synchronized OptionalLong predictedBy(String id) {
        Outcome o = outcomes.get(id);
        return o == null || o.predictions == 0 ? OptionalLong.empty() : OptionalLong.of(o.lastModelVersion);
    }

    /**
     * When the first prediction of an event produced at or after {@code producedFromMillis} was read
     * (epoch ms), or empty: "scoring resumed" after a fault, since only the new incarnation can have
     * scored such an event.
     *
     * @param idPrefix only ids starting with this (e.g. one task's), or "" for all
     */
    public synchronized OptionalLong firstPredictionOfEventsProducedFrom(long producedFromMillis, String idPrefix) {
        long first = Long.MAX_VALUE;
        for (Map.Entry<String, Produced> e : produced.entrySet()) {
            if (e.getValue().atMillis() < producedFromMillis
                    || e.getValue().kind() == Kind.EXAMPLE
                    || !e.getKey().startsWith(idPrefix)) {
                continue;
            }
            Outcome o = outcomes.get(e.getKey());
            if (o != null && o.predictions > 0) {
                first = Math.min(first, o.firstPredictionAt);
            }
        }
        return first == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(first);
    }

    /** Predictions of events produced at or after {@code producedFromMillis} whose id starts with {@code idPrefix}. */
    public synchronized long predictedEventsProducedFrom(long producedFromMillis, String idPrefix) {
        return produced.entrySet().stream()
                .filter(e -> e.getValue().atMillis() >= producedFromMillis
                        && e.getValue().kind() == Kind.EVENT
                        && e.getKey().startsWith(idPrefix))
                .filter(e -> {
                    Outcome o = outcomes.get(e.getKey());
                    return o != null && o.predictions > 0;
                })
                .count();
    }

    /** Ids with an outcome that were never produced (by this run's feed or injections). */
    public synchronized long unexpected() {
        return outcomes.keySet().stream()
                .filter(id -> !produced.containsKey(id))
                .count();
    }

    private static boolean isAccounted(Outcome o) {
        return o != null && (o.predictions > 0 || !o.deadLetters.isEmpty());
    }
}
