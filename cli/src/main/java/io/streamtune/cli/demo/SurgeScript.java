package io.streamtune.cli.demo;

import java.time.Duration;
import java.util.Locale;

/**
 * The demo's scripted surge and the monitor settings made for it, in one place, so the run, its
 * start-up check and the simulation test ({@code DemoAlertScriptTest}) all use the same numbers.
 *
 * <p>The script has three parts, in the time of the feed (its records' {@code ts}, from its start):
 * <ol>
 *   <li><b>baseline</b>: normal finance news about every company until the surge: the monitor's
 *       warm-up windows and each company's baseline;</li>
 *   <li><b>surge</b>: for {@code length}, a {@code share} of finance events are bearish headlines about
 *       {@code entity};</li>
 *   <li><b>clearing</b>: normal news again for at least {@link #clearTime()}: one window of predictions
 *       without the surge, the hop that aligns it, the grace that decides it, one more hop (a second
 *       chance to clear) and slack for the commit and the reader.</li>
 * </ol>
 * When the surge starts ({@link #start}): {@code afterFirstModel} after the first finance model serves,
 * so the baseline is made of live predictions (events before the first model are held by the scorer and
 * reach the monitor in a burst, out of event-time order across partitions, so the windows they fall in are
 * decided on part of their data); never before {@code earliestStart}; and never after
 * {@link #latestStart}, the last moment from which the surge still clears before the run ends. A busy
 * machine's first model can come after that (48 s in at load 21-48); the surge then starts at
 * {@link #latestStart} anyway: the monitor windows predictions by their events' time, so held events
 * count in the windows of their time once scored, and the clearing windows are decided from events of the
 * run itself after the scorer drained them. A run shorter than {@link #minimumDuration()} scripts no surge,
 * and says so at start.
 *
 * <pre>{@code
 * Duration at = SurgeScript.DEMO.start(Duration.ofMinutes(2), firstModelOrNull);  // start the surge once reached
 * }</pre>
 *
 * @param entity          the company whose negative surge is scripted
 * @param share           share of finance events that are the surge's bearish headlines while it runs
 * @param earliestStart   the surge never starts before this (from the start of the feed)
 * @param afterFirstModel live predictions the baseline gets after the first finance model serves
 * @param length          how long the surge runs
 * @param window          {@code monitor.window}
 * @param advance         {@code monitor.advance}
 * @param grace           {@code monitor.grace}
 * @param minCount        {@code monitor.minCount}
 * @param alpha           {@code monitor.baseline.alpha}
 * @param warmup          {@code monitor.baseline.warmup}
 * @param margin          {@code monitor.rule.margin} (z-score off)
 * @param clearMargin     {@code monitor.rule.clearMargin}
 */
record SurgeScript(
        String entity,
        double share,
        Duration earliestStart,
        Duration afterFirstModel,
        Duration length,
        Duration window,
        Duration advance,
        Duration grace,
        int minCount,
        double alpha,
        int warmup,
        double margin,
        double clearMargin) {

    /** Hops after the first window that can clear, for a second chance to clear. */
    static final int EXTRA_CLEARING_HOPS = 1;
    /** Time for the monitor's commit and the demo's read_committed reader to see the CLEARED record. */
    static final Duration READ_SLACK = Duration.ofSeconds(2);

    /**
     * The demo's script, at the demo's default rate (30 records/s, ~1.5 finance predictions/s per company:
     * ~44 per company and window): a 20 s surge, 15 s after the first finance model serves, between 45 s and
     * 56 s of a 2-minute run. Chosen on the simulation of this feed (docs/DESIGN-NOTES.md, "Checked on a simulation").
     */
    static final SurgeScript DEMO = new SurgeScript(
            "Initech",
            0.7,
            Duration.ofSeconds(45),
            Duration.ofSeconds(15),
            Duration.ofSeconds(20),
            Duration.ofSeconds(30),
            Duration.ofSeconds(5),
            Duration.ofSeconds(2),
            20,
            0.1,
            2,
            0.35,
            0.2);

    /** Normal news after the surge that the monitor needs to decide a window without it and clear (see the class). */
    Duration clearTime() {
        return window.plus(advance)
                .plus(grace)
                .plus(advance.multipliedBy(EXTRA_CLEARING_HOPS))
                .plus(READ_SLACK);
    }

    /** The shortest run with a surge: the earliest start, the surge, its clearing. */
    Duration minimumDuration() {
        return earliestStart.plus(length).plus(clearTime());
    }

    /** The last moment a surge can start in a run of {@code duration} and still clear before its end. */
    Duration latestStart(Duration duration) {
        return duration.minus(length).minus(clearTime());
    }

    /**
     * When the surge of a run of {@code duration} starts, from the start of the feed, given when the first finance
     * model served ({@code null}: not yet, or never).
     *
     * @throws IllegalStateException when the run is shorter than {@link #minimumDuration()} (no surge fits)
     */
    Duration start(Duration duration, Duration firstModel) {
        Duration latest = latestStart(duration);
        if (latest.compareTo(earliestStart) < 0) {
            throw new IllegalStateException(
                    "no surge fits in " + text(duration) + ": it needs " + text(minimumDuration()));
        }
        if (firstModel == null) {
            return latest;
        }
        Duration byModel = firstModel.plus(afterFirstModel);
        Duration start = byModel.compareTo(earliestStart) > 0 ? byModel : earliestStart;
        return start.compareTo(latest) < 0 ? start : latest;
    }

    /** Whether a run of {@code duration} fits a surge and its clearing. */
    boolean fits(Duration duration) {
        return duration.compareTo(minimumDuration()) >= 0;
    }

    /** The finance task's {@code monitor} block of the demo's configuration (YAML, indented for a task). */
    String monitorYaml() {
        return String.format(
                Locale.ROOT,
                "    monitor: {alertLabel: bearish, window: %s, advance: %s, grace: %s, minCount: %d,%n"
                        + "              baseline: {alpha: %s, warmup: %d}, rule: {margin: %s, zScore: 0, clearMargin: %s},%n"
                        + "              labelJoinWindow: 2m, accuracyWindow: 200}%n",
                millis(window),
                millis(advance),
                millis(grace),
                minCount,
                alpha,
                warmup,
                margin,
                clearMargin);
    }

    /** A duration as the demo prints it: {@code 45s}, {@code 1m55s}. */
    static String text(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") : s + "s";
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }
}
