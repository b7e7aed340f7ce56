package io.streamtune.common.config;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How the monitor service watches one task: surge alerts per entity, live accuracy from late
 * labels, and drift. Read from the task's {@code monitor} block; monitoring is off for a task
 * until {@code monitor.alertLabel} names one of its labels.
 *
 * <pre>{@code
 * tasks:
 *   - name: finance
 *     labels: [bearish, neutral, bullish]
 *     monitor:
 *       alertLabel: bearish          # the label whose share is watched per entity
 *       window: 5m                   # hopping windows of 5 minutes ...
 *       advance: 1m                  # ... starting every minute
 *       rule: {margin: 0.2, zScore: 3, clearMargin: 0.1}
 * }</pre>
 *
 * <p>Surge rule: a closed window with at least {@code minCount} predictions RAISES an alert when the
 * share {@code s} of the alert label satisfies {@code s >= mean + max(margin, zScore * spread)}, where
 * mean and spread are the entity's exponentially weighted mean and standard deviation of earlier
 * windows' shares (weight {@code baseline.alpha}; incremental form of Finch, "Incremental calculation
 * of weighted mean and variance", 2009). The alert CLEARS at the first such window with
 * {@code s < mean + clearMargin} (hysteresis: one RAISED per episode). Only normal windows move the
 * baseline: those under the clear level (and every window of the warm-up); it is frozen while raised,
 * and windows between the clear and the raise levels leave it alone, so a surge's ramp-up cannot
 * drag the baseline up before the surge is raised.
 *
 * @param enabled            false turns monitoring off even with an alert label
 * @param entityAttribute    the {@code attrs} key that names the entity a prediction is about
 * @param alertLabel         the watched label, one of the task's labels; null: monitoring off
 * @param window             length of a hopping window
 * @param advance            hop between window starts; {@code window} is a multiple of it
 * @param grace              how late (event time behind stream time) a prediction may arrive and still count
 * @param minCount           fewest predictions in a window for it to raise or clear an alert
 * @param baselineAlpha      EWMA weight of the newest window in the baseline
 * @param baselineWarmup     windows of baseline an entity needs before it can raise
 * @param margin             share above the baseline mean needed to raise
 * @param zScore             baseline spreads above the mean needed to raise (0: margin only)
 * @param clearMargin        the alert clears below mean + clearMargin (smaller than margin)
 * @param maxEntities        entities tracked per partition; beyond it the least recently seen is evicted
 * @param labelJoinWindow    largest time difference between a prediction and its late label for them to join
 * @param accuracyWindow     joined pairs per model version in the prequential accuracy window
 * @param drift              the drift detector's settings
 */
public record MonitorPolicy(
        boolean enabled,
        String entityAttribute,
        String alertLabel,
        Duration window,
        Duration advance,
        Duration grace,
        int minCount,
        double baselineAlpha,
        int baselineWarmup,
        double margin,
        double zScore,
        double clearMargin,
        int maxEntities,
        Duration labelJoinWindow,
        int accuracyWindow,
        DriftPolicy drift) {

    /**
     * Page-Hinkley drift detection (Page 1954; the drift-detection form of Mouss et al. 2004) on the
     * standardised watched statistic, so {@code delta} and {@code lambda} are in standard deviations.
     *
     * @param enabled  false: no detector runs
     * @param delta    change magnitude tolerated, in standard deviations of the watched statistic
     * @param lambda   detection threshold of the cumulative statistic, in standard deviations
     * @param warmup   samples a detector sees before it may fire (after start and after each detection)
     * @param coolDown after a DRIFT record, further detections of the task within this time are not written
     */
    public record DriftPolicy(boolean enabled, double delta, double lambda, int warmup, Duration coolDown) {}

    public static final Setting<Boolean> ENABLED =
            Setting.bool("monitor.enabled", true, "monitor this task (needs monitor.alertLabel)");
    public static final Setting<String> ENTITY_ATTRIBUTE = Setting.string(
            "monitor.entityAttribute",
            "entity",
            "attrs key naming the entity a prediction is about (company, product)");
    public static final Setting<String> ALERT_LABEL = Setting.string(
            "monitor.alertLabel",
            null,
            "label whose share is watched per entity, one of the task's labels; unset: monitoring off");
    public static final Setting<Duration> WINDOW = Setting.duration(
            "monitor.window",
            Duration.ofMinutes(5),
            Duration.ofSeconds(1),
            "length of the hopping windows over predictions (event time)");
    public static final Setting<Duration> ADVANCE = Setting.duration(
            "monitor.advance",
            Duration.ofMinutes(1),
            Duration.ofMillis(100),
            "hop between window starts; the window must be a multiple of it");
    public static final Setting<Duration> GRACE = Setting.duration(
            "monitor.grace",
            Duration.ofSeconds(10),
            Duration.ZERO,
            "a window is decided this long (stream time) after its end; later predictions miss it");
    public static final Setting<Integer> MIN_COUNT = Setting.integer(
            "monitor.minCount", 20, 1, 10_000_000, "fewest predictions in a window for it to raise or clear an alert");
    public static final Setting<Double> BASELINE_ALPHA = Setting.decimal(
            "monitor.baseline.alpha",
            0.1,
            0.001,
            1.0,
            "EWMA weight of the newest window in an entity's baseline share");
    public static final Setting<Integer> BASELINE_WARMUP = Setting.integer(
            "monitor.baseline.warmup", 3, 1, 10_000, "windows of baseline an entity needs before it can raise");
    public static final Setting<Double> MARGIN =
            Setting.decimal("monitor.rule.margin", 0.2, 0.0, 1.0, "share above the baseline mean needed to raise");
    public static final Setting<Double> Z_SCORE = Setting.decimal(
            "monitor.rule.zScore",
            3.0,
            0.0,
            100.0,
            "baseline standard deviations above the mean needed to raise (0: margin only)");
    public static final Setting<Double> CLEAR_MARGIN = Setting.decimal(
            "monitor.rule.clearMargin",
            0.1,
            0.0,
            1.0,
            "a raised alert clears when the share falls below baseline mean + this (smaller than rule.margin)");
    public static final Setting<Integer> MAX_ENTITIES = Setting.integer(
            "monitor.maxEntities",
            100_000,
            1,
            100_000_000,
            "entities tracked per partition; a new one beyond this evicts the least recently seen");
    public static final Setting<Duration> LABEL_JOIN_WINDOW = Setting.duration(
            "monitor.labelJoinWindow",
            Duration.ofMinutes(30),
            Duration.ofSeconds(1),
            "a late label joins its prediction when their times differ by at most this");
    public static final Setting<Integer> ACCURACY_WINDOW = Setting.integer(
            "monitor.accuracyWindow",
            500,
            10,
            1_000_000,
            "joined (prediction, label) pairs per model version in the prequential accuracy window");
    public static final Setting<Boolean> DRIFT_ENABLED = Setting.bool(
            "monitor.drift.enabled",
            true,
            "run Page-Hinkley drift detectors on the error rate, the label mix and the mean confidence");
    public static final Setting<Double> DRIFT_DELTA = Setting.decimal(
            "monitor.drift.delta",
            0.2,
            0.0,
            10.0,
            "Page-Hinkley tolerance, in standard deviations of the watched statistic");
    public static final Setting<Double> DRIFT_LAMBDA = Setting.decimal(
            "monitor.drift.lambda",
            50.0,
            1.0,
            100_000.0,
            "Page-Hinkley threshold, in standard deviations of the watched statistic");
    public static final Setting<Integer> DRIFT_WARMUP = Setting.integer(
            "monitor.drift.warmup",
            200,
            10,
            10_000_000,
            "samples a detector sees before it may fire (at start and after each detection)");
    public static final Setting<Duration> DRIFT_COOL_DOWN = Setting.duration(
            "monitor.drift.coolDown",
            Duration.ofMinutes(10),
            Duration.ZERO,
            "after a DRIFT record, the task's next detections within this time are counted, not written");

    /** Every declared monitor setting, for docs and {@code streamtune config docs}. */
    public static final List<Setting<?>> SETTINGS = List.of(
            ENABLED,
            ENTITY_ATTRIBUTE,
            ALERT_LABEL,
            WINDOW,
            ADVANCE,
            GRACE,
            MIN_COUNT,
            BASELINE_ALPHA,
            BASELINE_WARMUP,
            MARGIN,
            Z_SCORE,
            CLEAR_MARGIN,
            MAX_ENTITIES,
            LABEL_JOIN_WINDOW,
            ACCURACY_WINDOW,
            DRIFT_ENABLED,
            DRIFT_DELTA,
            DRIFT_LAMBDA,
            DRIFT_WARMUP,
            DRIFT_COOL_DOWN);

    /** Hop count bound: a window holds at most this many hops (the per-entity state keeps one slot per hop). */
    public static final int MAX_HOPS_PER_WINDOW = 360;

    /** Every setting at its default: no alert label, so monitoring is off (what a task without a monitor block gets). */
    public static MonitorPolicy defaults() {
        return new MonitorPolicy(
                ENABLED.defaultValue(),
                ENTITY_ATTRIBUTE.defaultValue(),
                null,
                WINDOW.defaultValue(),
                ADVANCE.defaultValue(),
                GRACE.defaultValue(),
                MIN_COUNT.defaultValue(),
                BASELINE_ALPHA.defaultValue(),
                BASELINE_WARMUP.defaultValue(),
                MARGIN.defaultValue(),
                Z_SCORE.defaultValue(),
                CLEAR_MARGIN.defaultValue(),
                MAX_ENTITIES.defaultValue(),
                LABEL_JOIN_WINDOW.defaultValue(),
                ACCURACY_WINDOW.defaultValue(),
                new DriftPolicy(
                        DRIFT_ENABLED.defaultValue(),
                        DRIFT_DELTA.defaultValue(),
                        DRIFT_LAMBDA.defaultValue(),
                        DRIFT_WARMUP.defaultValue(),
                        DRIFT_COOL_DOWN.defaultValue()));
    }

    /**
     * Reads a task's {@code monitor} block and checks it against the task's labels; problems name
     * the full key ({@code tasks[1] (finance).monitor.alertLabel: ...}).
     */
    public static MonitorPolicy read(JsonNode task, String where, List<String> labels, List<String> problems) {
        int before = problems.size();
        MonitorPolicy p = new MonitorPolicy(
                ENABLED.read(task, where, problems),
                ENTITY_ATTRIBUTE.read(task, where, problems),
                ALERT_LABEL.read(task, where, problems),
                WINDOW.read(task, where, problems),
                ADVANCE.read(task, where, problems),
                GRACE.read(task, where, problems),
                MIN_COUNT.read(task, where, problems),
                BASELINE_ALPHA.read(task, where, problems),
                BASELINE_WARMUP.read(task, where, problems),
                MARGIN.read(task, where, problems),
                Z_SCORE.read(task, where, problems),
                CLEAR_MARGIN.read(task, where, problems),
                MAX_ENTITIES.read(task, where, problems),
                LABEL_JOIN_WINDOW.read(task, where, problems),
                ACCURACY_WINDOW.read(task, where, problems),
                new DriftPolicy(
                        DRIFT_ENABLED.read(task, where, problems),
                        DRIFT_DELTA.read(task, where, problems),
                        DRIFT_LAMBDA.read(task, where, problems),
                        DRIFT_WARMUP.read(task, where, problems),
                        DRIFT_COOL_DOWN.read(task, where, problems)));
        if (problems.size() > before) {
            return defaults();
        }
        String key = where + ".monitor.";
        if (p.alertLabel != null && !labels.isEmpty() && !labels.contains(p.alertLabel)) {
            problems.add(key + "alertLabel: '" + p.alertLabel + "' is not one of the task's labels " + labels);
        }
        if (p.advance.compareTo(p.window) > 0) {
            problems.add(key + "advance: " + text(p.advance) + " is longer than monitor.window " + text(p.window)
                    + " (windows would leave gaps)");
        } else if (p.window.toMillis() % p.advance.toMillis() != 0) {
            problems.add(
                    key + "window: " + text(p.window) + " must be a multiple of monitor.advance " + text(p.advance));
        } else if (p.window.toMillis() / p.advance.toMillis() > MAX_HOPS_PER_WINDOW) {
            problems.add(key + "advance: " + text(p.advance) + " gives " + p.window.toMillis() / p.advance.toMillis()
                    + " hops per window, more than " + MAX_HOPS_PER_WINDOW + "; use a longer advance");
        }
        if (p.clearMargin >= p.margin) {
            problems.add(key + "rule.clearMargin: " + p.clearMargin + " must be smaller than monitor.rule.margin "
                    + p.margin + " (hysteresis: an alert clears below the level that raised it)");
        }
        return p;
    }

    /** True when the monitor service watches the task. */
    public boolean active() {
        return enabled && alertLabel != null;
    }

    /** Hops per window ({@code window / advance}). */
    public int hops() {
        return (int) (window.toMillis() / advance.toMillis());
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
