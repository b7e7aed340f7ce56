package io.streamtune.common.event;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;

import io.streamtune.common.serde.Json;

/**
 * A record on {@code <task>.alerts}, written by the monitor service.
 *
 * <p>Surge alerts ({@link State#RAISED}, {@link State#CLEARED}) are keyed by the entity and describe
 * one closed hopping window of that entity's predictions:
 * <pre>{@code
 * {"task":"finance","entity":"Initech","state":"RAISED","windowStart":1732300000000,"windowEnd":1732300030000,
 *  "counts":{"bearish":19,"neutral":3,"bullish":2},"total":24,"alertLabel":"bearish","share":0.79,
 *  "baseline":{"mean":0.31,"spread":0.08,"windows":12},"threshold":0.55,"modelVersions":[3,4],
 *  "evidence":["finance-e-812","finance-e-815"],"onsetTs":1732300012000,"ts":1732300032500}
 * }</pre>
 *
 * <p>Drift records ({@link State#DRIFT}) are keyed by the task, have no entity, and say which
 * detector fired on what:
 * <pre>{@code
 * {"task":"finance","state":"DRIFT","drift":{"detector":"page-hinkley","watched":"error-rate","statistic":51.3,
 *  "threshold":50.0,"samples":412,"meanBefore":0.08,"meanRecent":0.31},"modelVersions":[4],"ts":1732300040000}
 * }</pre>
 * A reader such as the trainer keeps the records of its tasks whose {@link #isDriftRecord()} is true.
 *
 * @param task          the task
 * @param entity        the entity (surge alerts); null for DRIFT
 * @param state         what happened
 * @param windowStart   start of the window decided, epoch ms inclusive (surge alerts)
 * @param windowEnd     end of the window, epoch ms exclusive (surge alerts)
 * @param counts        predictions per label in the window, in the task's label order
 * @param total         predictions in the window
 * @param alertLabel    the label whose share is watched ({@code monitor.alertLabel})
 * @param share         share of the alert label in the window, 0..1
 * @param baseline      the entity's baseline the share was compared with (frozen while RAISED)
 * @param threshold     the share the window was compared with: the raise level for RAISED, the clear level for CLEARED
 * @param modelVersions model versions that made the window's predictions (DRIFT: versions in the detector's samples)
 * @param evidence      a few ids of alert-label predictions of the window, newest last
 * @param onsetTs       RAISED only: event time of the first alert-label prediction of the surge (see the monitor docs)
 * @param drift         DRIFT only: the detection
 * @param ts            wall-clock time the monitor decided, epoch ms
 */
public record Alert(
        String task,
        String entity,
        State state,
        Long windowStart,
        Long windowEnd,
        Map<String, Long> counts,
        Long total,
        String alertLabel,
        Double share,
        Baseline baseline,
        Double threshold,
        List<Long> modelVersions,
        List<String> evidence,
        Long onsetTs,
        Drift drift,
        long ts) {

    /** What an alert record says. */
    public enum State {
        /** An entity's share of the alert label crossed the raise level: an episode starts. */
        RAISED,
        /** The share fell below the clear level: the episode ends. */
        CLEARED,
        /** A drift detector fired on the task's stream (no entity). */
        DRIFT
    }

    /** What a drift detector watched. */
    public enum Watched {
        /** The error rate of predictions joined with their late labels (1 wrong, 0 right). */
        ERROR_RATE("error-rate"),
        /** The share of one predicted label among all predictions. */
        LABEL_MIX("label-mix"),
        /** The mean top score of predictions. */
        CONFIDENCE("confidence");

        private final String wire;

        Watched(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        @JsonCreator
        public static Watched fromWire(String s) {
            for (Watched w : values()) {
                if (w.wire.equals(s) || w.name().equals(s)) {
                    return w;
                }
            }
            throw new IllegalArgumentException(
                    "unknown watched statistic '" + s + "' (expected error-rate, label-mix or confidence)");
        }
    }

    /**
     * An entity's baseline share of the alert label.
     *
     * @param mean    exponentially weighted mean of earlier windows' shares
     * @param spread  exponentially weighted standard deviation of those shares
     * @param windows windows that went into it
     */
    public record Baseline(double mean, double spread, long windows) {}

    /**
     * One drift detection.
     *
     * @param detector   {@code page-hinkley}
     * @param watched    the statistic watched
     * @param label      for {@link Watched#LABEL_MIX}, the label whose share changed; else null
     * @param direction  {@code up} or {@code down}: how the watched mean moved
     * @param statistic  the detector's statistic at detection, in standard deviations
     * @param threshold  the threshold it crossed ({@code monitor.drift.lambda})
     * @param samples    samples the detector saw since its last reset
     * @param meanBefore mean of the watched statistic over those samples before the recent ones
     * @param meanRecent mean over the most recent samples
     */
    public record Drift(
            String detector,
            Watched watched,
            String label,
            String direction,
            double statistic,
            double threshold,
            long samples,
            double meanBefore,
            double meanRecent) {}

    public Alert {
        counts = counts == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counts));
        modelVersions = modelVersions == null ? List.of() : List.copyOf(modelVersions);
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }

    /** True for a drift detection, the record the trainer acts on. */
    @JsonIgnore
    public boolean isDriftRecord() {
        return state == State.DRIFT;
    }

    /** Reads an alert record; malformed input raises {@link IOException}. */
    public static Alert parse(byte[] bytes) throws IOException {
        return Json.read(bytes, Alert.class);
    }
}
