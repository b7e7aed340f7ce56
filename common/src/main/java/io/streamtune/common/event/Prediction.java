package io.streamtune.common.event;

import java.util.Map;

/**
 * A classification on {@code <task>.predictions}.
 *
 * <pre>{@code
 * {"id":"e-1","task":"news","label":"negative","scores":{"negative":0.91,"neutral":0.06,"positive":0.03},
 *  "modelVersion":4,"ts":1732300000000,"latencyMs":23.5,"attrs":{"entity":"ACME"}}
 * }</pre>
 *
 * @param scores       probability per label, in the task's label order
 * @param modelVersion the model version that made this prediction
 * @param ts           the event's time (epoch ms)
 * @param latencyMs    from the event's timestamp to the moment the prediction was made
 */
public record Prediction(
        String id,
        String task,
        String label,
        Map<String, Double> scores,
        long modelVersion,
        long ts,
        double latencyMs,
        Map<String, String> attrs) {
    public Prediction {
        attrs = attrs == null ? Map.of() : Map.copyOf(attrs);
    }
}
