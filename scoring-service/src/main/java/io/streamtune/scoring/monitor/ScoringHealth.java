package io.streamtune.scoring.monitor;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.streams.KafkaStreams;

/**
 * The {@code /health} document: {@code status} UP while Kafka Streams runs (or rebalances),
 * the Streams state, and per task the version in service, its pin and the last refused version.
 *
 * <pre>{@code
 * {"status":"UP","streams":"RUNNING","tasks":{"reviews":{"version":4,"pinned":null,...}}}
 * }</pre>
 */
public final class ScoringHealth {
    private ScoringHealth() {
    }

    public static Map<String, Object> of(KafkaStreams.State state, Map<String, Object> models) {
        Map<String, Object> h = new LinkedHashMap<>();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        h.put("status", up ? "UP" : "DOWN");
        h.put("service", "scoring");
        h.put("streams", state == null ? "NOT_STARTED" : state.name());
        h.put("tasks", models);
        return h;
    }
}
