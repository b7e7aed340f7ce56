package io.streamtune.scoring.monitor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

import org.apache.kafka.streams.KafkaStreams;

/**
 * The {@code /health} document of the scoring service: a status that tells the truth, with the
 * reasons, the Streams state, and per task the version in service, its pin, the last refused version
 * and the events held.
 *
 * <ul>
 *   <li>{@code DOWN} (HTTP 503): Kafka Streams is not running (not started, stopped, failed).</li>
 *   <li>{@code DEGRADED} (HTTP 503): it runs, but something stops events from being scored: a task holds
 *       events that no model version may serve (none yet, or only one older than the partitions already
 *       used: pin it to serve it), stream threads keep failing, or Kafka does not answer.</li>
 *   <li>{@code UP} (HTTP 200): running (or rebalancing) and none of the above.</li>
 * </ul>
 *
 * <pre>{@code
 * {"status":"DEGRADED","reasons":["task finance: 100 events held: no model version can serve them (in service: v3)"],
 *  "streams":"RUNNING","tasks":{"finance":{"version":3,"pinned":null,"eventsHeld":100,...}}}
 * }</pre>
 */
public final class ScoringHealth {
    private ScoringHealth() {}

    /** A stream thread failed at {@code at} with {@code error}. */
    public record ThreadFailure(Instant at, String error) {}

    /**
     * @param models per task, what the model registry describes (version, pin, last refusal)
     * @param held events held per task
     * @param recentFailures stream-thread failures within the recent window
     * @param kafkaUnreachable why Kafka does not answer, or null
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> of(
            KafkaStreams.State state,
            Map<String, Object> models,
            ToIntFunction<String> held,
            List<ThreadFailure> recentFailures,
            String kafkaUnreachable) {
        Map<String, Object> h = new LinkedHashMap<>();
        List<String> reasons = new ArrayList<>();
        boolean running = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        if (!running) {
            reasons.add("Kafka Streams is " + (state == null ? "not started" : state.name()));
        }
        Map<String, Object> tasks = new LinkedHashMap<>();
        models.forEach((task, described) -> {
            Map<String, Object> t = new LinkedHashMap<>((Map<String, Object>) described);
            int n = held.applyAsInt(task);
            t.put("eventsHeld", n);
            if (n > 0) {
                Object v = t.get("version");
                reasons.add("task " + task + ": " + n + " events held: no model version can serve them (in service: "
                        + (v == null
                                ? "none yet"
                                : "v" + v + ", older than the partitions used before; pin scoring.pin." + task
                                        + " to serve it")
                        + ")");
            }
            tasks.put(task, t);
        });
        if (recentFailures.size() >= 2) {
            reasons.add("stream threads failed " + recentFailures.size() + " times in the last minutes; last: "
                    + recentFailures.get(recentFailures.size() - 1).error());
        }
        if (kafkaUnreachable != null) {
            reasons.add(kafkaUnreachable);
        }
        h.put("status", !running ? "DOWN" : reasons.isEmpty() ? "UP" : "DEGRADED");
        if (!reasons.isEmpty()) {
            h.put("reasons", reasons);
        }
        h.put("service", "scoring");
        h.put("streams", state == null ? "NOT_STARTED" : state.name());
        h.put("tasks", tasks);
        return h;
    }
}
