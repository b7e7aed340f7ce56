package io.streamtune.common.model;

import java.util.Map;

/**
 * Live quality of one model version, measured by the monitor service on predictions joined with
 * their late labels (prequential: each pair is scored once, with the version that made the
 * prediction), over the last {@code window} pairs. Written periodically to
 * {@code streamtune.model-events} (key = task) with the header
 * {@code streamtune.record.type=live-metrics}; the newest record of a version is its current value.
 *
 * <pre>{@code
 * {"type":"live-metrics","task":"finance","modelVersion":3,"accuracy":0.91,"macroF1":0.90,"pairs":500,
 *  "window":500,"f1PerLabel":{"bearish":0.88,"neutral":0.93,"bullish":0.89},"joinedTotal":1210,"ts":1732300000000}
 * }</pre>
 *
 * @param type         always {@code live-metrics}: tells it from a trainer decision without the header
 * @param modelVersion the version whose predictions were scored
 * @param accuracy     share of the pairs in the window whose predicted label equals the true label
 * @param macroF1      unweighted mean F1 over the labels present (predicted or true) in the window
 * @param pairs        pairs in the window now (at most {@code window})
 * @param window       the window size ({@code monitor.accuracyWindow})
 * @param f1PerLabel   F1 per label present, in label order
 * @param joinedTotal  pairs joined for this version since the monitor started keeping it
 * @param ts           wall-clock time of the measurement, epoch ms
 */
public record LiveMetrics(
        String type,
        String task,
        long modelVersion,
        double accuracy,
        double macroF1,
        int pairs,
        int window,
        Map<String, Double> f1PerLabel,
        long joinedTotal,
        long ts) {
    /** The value of {@code type} (and of the record-type header). */
    public static final String TYPE = "live-metrics";

    public LiveMetrics {
        type = TYPE;
        f1PerLabel = f1PerLabel == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(f1PerLabel));
    }
}
