package io.streamtune.trainer.window;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.streamtune.common.config.WindowPolicy;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.WindowRange;

/**
 * The examples of one task the trainer holds, and what the next version will say it covers.
 *
 * <h2>Training set and holdout</h2>
 * An example goes to the holdout when {@link Holdout#contains} says so, otherwise to the
 * training set. The training set keeps the most recent {@code size} examples. The holdout is
 * bounded to the most recent {@code ceil(size * holdoutPercent / 100)} holdout examples: about
 * the holdout's share of a window's worth of traffic, so the gate judges on recent data and
 * scoring it costs a fixed share of a training run.
 *
 * <h2>Window ranges</h2>
 * For every partition the window tracks a half-open boundary: the next version covers offsets
 * from {@code start} (the previous published version's {@code toOffset + 1}, or where the trainer
 * first began reading) up to the consumer's position minus one at training time. Ranges are
 * boundaries, not first and last example offsets, so consecutive versions' ranges join without
 * a gap even across transaction markers and dead letters; {@code count} is the number of valid
 * examples (training and holdout) inside. A rejected challenger does not move the boundary: the
 * next published version covers its offsets too. Each valid example is therefore covered by
 * exactly one published version.
 *
 * <p>Not thread-safe: owned by the trainer's loop thread.
 */
public final class TaskWindow {
    private final String topic;
    private final WindowPolicy policy;
    private final int holdoutCapacity;
    private final ArrayDeque<Example> training = new ArrayDeque<>();
    private final ArrayDeque<Example> holdout = new ArrayDeque<>();
    private final Map<Integer, Long> rangeStart = new TreeMap<>();
    private final Map<Integer, Long> rangeCount = new TreeMap<>();
    private volatile long newSinceAttempt; // volatile: also read by /health (nextTraining)
    private volatile Instant lastAttempt;
    /** Why a drift detector asked for a retrain, until the next attempt; null when none did. */
    private volatile String driftSignal;

    public TaskWindow(String topic, WindowPolicy policy, Instant now) {
        this.topic = topic;
        this.policy = policy;
        this.holdoutCapacity = holdoutCapacity(policy);
        this.lastAttempt = now;
    }

    /** The holdout bound: {@code ceil(size * holdoutPercent / 100)}, at least 1. */
    public static int holdoutCapacity(WindowPolicy policy) {
        return (int) Math.max(1, Math.ceil(policy.size() * policy.holdoutPercent() / 100.0));
    }

    /** Sets where the next version's range on {@code partition} begins. */
    public void startRange(int partition, long fromOffset) {
        rangeStart.put(partition, fromOffset);
        rangeCount.put(partition, 0L);
    }

    /**
     * Adds a valid example.
     *
     * @param inRange whether its offset lies in the current range (false for examples re-read on
     *                restart only to refill the window: an earlier version covers them)
     * @param isNew   whether it counts towards the retrain trigger (not yet seen by an attempt)
     */
    public void add(Example example, int partition, boolean inRange, boolean isNew) {
        ArrayDeque<Example> target = Holdout.contains(example.id(), policy.holdoutPercent()) ? holdout : training;
        target.addLast(example);
        int cap = target == holdout ? holdoutCapacity : policy.size();
        while (target.size() > cap) {
            target.removeFirst();
        }
        if (inRange) {
            rangeCount.merge(partition, 1L, Long::sum);
        }
        if (isNew) {
            newSinceAttempt++;
        }
    }

    /**
     * A drift detector fired on the task's live stream: the next retrain does not wait for
     * {@code retrainEvery} or {@code maxWait}, only for one new example since the last attempt (retraining
     * on exactly the window the last attempt saw would judge the same challenger again). Cleared by the
     * next attempt.
     *
     * @param why for the audit event and the log, e.g. {@code drift (page-hinkley on error-rate)}
     */
    public void signalDrift(String why) {
        driftSignal = why;
    }

    /**
     * Why the task retrains now, or null when it does not: the drift signal's text when one is pending and an example
     * arrived since, else {@code retrainEvery} or {@code maxWait} (see {@link RetrainTrigger}).
     */
    public String trigger(Instant now) {
        // A pending drift signal names the retrain even when a count or time trigger would also fire: the monitor
        // asked for it, and the audit should say so.
        if (driftSignal != null && newSinceAttempt > 0) {
            return driftSignal;
        }
        if (newSinceAttempt >= policy.retrainEvery()) {
            return "retrainEvery";
        }
        if (RetrainTrigger.due(policy, newSinceAttempt, Duration.between(lastAttempt, now))) {
            return "maxWait";
        }
        return null;
    }

    /**
     * When the next training comes, for {@code /health}: the new examples so far and the two triggers, e.g.
     * {@code {"newExamples":271,"retrainEvery":500,"maxWaitAt":"2026-11-29T20:34:42Z","minNew":100}} ({@code maxWaitAt}
     * is the last attempt, or the trainer's start, plus {@code window.maxWait}).
     */
    public Map<String, Object> nextTraining() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("newExamples", newSinceAttempt);
        m.put("retrainEvery", policy.retrainEvery());
        m.put("maxWaitAt", lastAttempt.plus(policy.maxWait()).toString());
        m.put("minNew", policy.minNew());
        if (driftSignal != null) {
            m.put("drift", driftSignal + ": at the next new example");
        }
        return m;
    }

    /** Whether a trigger fires ({@link #trigger}) and the holdout holds at least {@code minHoldout} examples. */
    public boolean due(Instant now, int minHoldout) {
        return !training.isEmpty() && holdout.size() >= minHoldout && trigger(now) != null;
    }

    /**
     * The window as it stands, with ranges ending just before {@code positions} (the consumer's
     * next offset per partition). Partitions where nothing was consumed since the start are left out.
     */
    public TrainingWindow snapshot(Map<Integer, Long> positions, Instant now) {
        List<WindowRange> ranges = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : rangeStart.entrySet()) {
            Long position = positions.get(e.getKey());
            if (position != null && position > e.getValue()) {
                ranges.add(new WindowRange(topic, e.getKey(), e.getValue(), position - 1, rangeCount.get(e.getKey())));
            }
        }
        return new TrainingWindow(
                new ArrayList<>(training), new ArrayList<>(holdout), ranges, newSinceAttempt, trigger(now));
    }

    /**
     * A challenger was trained and judged; when {@code published} the next range starts at {@code positions}.
     * A partition whose position has not reached its range start (nothing of the range read yet) keeps its
     * start: a range never moves backwards over offsets an earlier version covers.
     */
    public void attempted(Instant now, boolean published, Map<Integer, Long> positions) {
        newSinceAttempt = 0;
        lastAttempt = now;
        driftSignal = null;
        if (published) {
            positions.forEach((p, pos) -> {
                Long start = rangeStart.get(p);
                if (start != null && pos > start) {
                    startRange(p, pos);
                }
            });
        }
    }

    public int trainingSize() {
        return training.size();
    }

    public int holdoutSize() {
        return holdout.size();
    }

    public long newSinceAttempt() {
        return newSinceAttempt;
    }

    /** Training examples held as a share of {@code size}, for the window-fill gauge. */
    public double fill() {
        return training.size() / (double) policy.size();
    }

    public String topic() {
        return topic;
    }
}
