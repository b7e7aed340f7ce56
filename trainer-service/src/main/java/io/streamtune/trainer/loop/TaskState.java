package io.streamtune.trainer.loop;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.trainer.gate.GateDecision;
import io.streamtune.trainer.monitor.TrainerMetrics;
import io.streamtune.trainer.window.TaskWindow;
import io.streamtune.trainer.window.TrainingWindow;

/**
 * One task's state inside the trainer loop: its window, the boundaries that say what a record read
 * after a restart means ({@link OffsetRecovery}), its champion and last version number, and the values
 * its gauges show. Every change goes through a method; not thread-safe (the loop thread owns it; the
 * gauges it writes are read by the metrics endpoint).
 */
public final class TaskState {
    private static final Logger log = LoggerFactory.getLogger(TaskState.class);

    private final TaskConfig config;
    private final List<TopicPartition> partitions;
    private final TaskWindow window;
    private final TrainerMetrics.TaskGauges gauges;
    private final Map<Integer, Long> rangeStart = new TreeMap<>();
    private final Map<Integer, Long> routedFrom = new TreeMap<>();
    private final Map<Integer, Long> attemptedEnd;
    /** Written by the loop thread, read by health. */
    private volatile ModelArtifact champion;
    /** Written by the loop thread, read by health and tests. */
    private volatile long lastVersion;

    private boolean refilled;
    private final FinetuneCadence cadence;
    /** The fine-tuning run in progress, or null; written by the loop thread, read by health. */
    private volatile BackgroundFinetuner.Run finetune;

    /**
     * @param plans where each partition is read from ({@link OffsetRecovery#plan})
     * @param attemptedEnd per partition, where the last decision's window ended (published or rejected)
     * @param lastVersion highest version number published so far (0: none)
     */
    public TaskState(
            TaskConfig config,
            List<OffsetRecovery.PartitionPlan> plans,
            Map<Integer, Long> attemptedEnd,
            long lastVersion,
            TrainerMetrics.TaskGauges gauges,
            Instant now) {
        this.config = config;
        this.partitions =
                plans.stream().map(OffsetRecovery.PartitionPlan::partition).toList();
        this.window = new TaskWindow(config.topics().examples(), config.window(), now);
        this.gauges = gauges;
        this.attemptedEnd = new TreeMap<>(attemptedEnd);
        this.lastVersion = lastVersion;
        this.cadence = new FinetuneCadence(config.finetune());
        for (OffsetRecovery.PartitionPlan p : plans) {
            int partition = p.partition().partition();
            window.startRange(partition, p.rangeStart());
            rangeStart.put(partition, p.rangeStart());
            routedFrom.put(partition, p.routedFrom());
        }
        gauges.championVersion(lastVersion);
    }

    public String name() {
        return config.name();
    }

    public TaskConfig config() {
        return config;
    }

    public List<TopicPartition> partitions() {
        return partitions;
    }

    /** Whether a record at this offset is read for the first time (a bad one goes to the DLQ; a good one counts as consumed). */
    public boolean firstTime(int partition, long offset) {
        return offset >= routedFrom.get(partition);
    }

    /** Adds a valid example read at {@code offset}: to the window, to the next version's range, to the retrain trigger. */
    public void accept(Example example, int partition, long offset) {
        boolean inRange = offset >= rangeStart.get(partition);
        boolean isNew = inRange && offset > attemptedEnd.getOrDefault(partition, -1L);
        window.add(example, partition, inRange, isNew);
    }

    /**
     * Whether the re-read after a restart is done: every partition's position (the consumer's next offset)
     * has reached where the next version's range starts, so the window holds what it held before the
     * restart. Once true it stays true (positions only grow); logs once when the refill completes.
     */
    public boolean refilled(Map<Integer, Long> positions) {
        if (!refilled) {
            refilled = rangeStart.entrySet().stream()
                    .allMatch(e -> positions.getOrDefault(e.getKey(), -1L) >= e.getValue());
            if (refilled) {
                log.info(
                        "[{}] window refilled after the start: {} training and {} holdout examples",
                        name(),
                        window.trainingSize(),
                        window.holdoutSize());
            }
        }
        return refilled;
    }

    /**
     * A DRIFT record of the monitor for this task: retrain without waiting for {@code retrainEvery}
     * ({@link TaskWindow#signalDrift}).
     */
    public void driftDetected(Alert drift) {
        Alert.Drift d = drift.drift();
        String why = d == null
                ? "drift"
                : "drift (" + d.detector() + " on " + d.watched().wire() + ")";
        window.signalDrift(why);
        log.info(
                "[{}] {} reported by the monitor: retraining at the next new example instead of waiting for retrainEvery",
                name(),
                why);
    }

    /** Whether a challenger should be trained now. */
    public boolean due(Instant now, int minHoldout) {
        return window.due(now, minHoldout);
    }

    /** The window as it stands, ranges ending before {@code positions}. */
    public TrainingWindow snapshot(Map<Integer, Long> positions, Instant now) {
        return window.snapshot(positions, now);
    }

    /** The champion the gate scores; null when there is none or it does not fit the task. */
    public ModelArtifact champion() {
        return champion;
    }

    public long lastVersion() {
        return lastVersion;
    }

    /** The number the next published version gets. */
    public long nextVersion() {
        return lastVersion + 1;
    }

    /**
     * Makes {@code a} the version in service, numbered as it is; it becomes the champion the gate scores
     * only if it fits the task as configured (labels, backbone kind), else challengers are gated on the floor.
     *
     * @param why for the log: found at start, published by another writer, ...
     */
    public void adopt(ModelArtifact a, String why) {
        lastVersion = Math.max(lastVersion, a.meta().version());
        gauges.championVersion(lastVersion);
        try {
            ArtifactChecks.checkFitsTask(a, config.name(), config.labels(), config.modality());
            champion = a;
            log.info(
                    "[{} v{}] champion ({}), holdout macro-F1 {}",
                    name(),
                    a.meta().version(),
                    why,
                    a.meta().metrics() == null ? "n/a" : a.meta().metrics().macroF1());
        } catch (ArtifactException e) {
            champion = null;
            log.warn(
                    "[{} v{}] ({}) does not fit the configured task: {}; challengers are gated on the floor only",
                    name(),
                    a.meta().version(),
                    why,
                    e.getMessage());
        }
    }

    /** A decision was committed: the next range starts at {@code positions} if it published. */
    public void decided(Instant now, GateDecision d, TrainingWindow w, Map<Integer, Long> positions) {
        window.attempted(now, d.admitted(), positions);
        w.ranges().forEach(r -> attemptedEnd.merge(r.partition(), r.toOffset(), Math::max));
        gauges.gated(
                d.championMetrics() == null ? Double.NaN : d.championMetrics().macroF1(),
                d.challengerMetrics().macroF1());
        if (d.admitted()) {
            champion = d.challenger();
            lastVersion = d.challenger().meta().version();
            gauges.championVersion(lastVersion);
        }
    }

    /** Training failed: wait for the next window. */
    public void failed(Instant now, Map<Integer, Long> positions) {
        window.attempted(now, false, positions);
    }

    /** A head-only challenger was trained (or failed): counts towards the fine-tuning cadence. */
    public void headAttempted() {
        cadence.headAttempted();
    }

    /** Whether a fine-tuning challenger should start now ({@link FinetuneCadence}). */
    public boolean finetuneDue() {
        return cadence.due();
    }

    /** A fine-tuning run started for this task. */
    public void finetuneStarted(BackgroundFinetuner.Run run) {
        cadence.started();
        finetune = run;
        gauges.finetune(true, 0);
    }

    /** A fine-tuning run could not start: the cadence counts again from here, so it is not retried at every poll. */
    public void finetuneNotStarted() {
        cadence.started();
        cadence.finished();
    }

    /** The fine-tuning run in progress, or null. */
    public BackgroundFinetuner.Run finetune() {
        return finetune;
    }

    /** The fine-tuning run ended (gated, failed or cancelled). */
    public void finetuneEnded() {
        cadence.finished();
        finetune = null;
        gauges.finetune(false, 0);
    }

    /**
     * A fine-tuning challenger was gated and its decision committed. Published: as a head challenger
     * ({@link #decided}). Rejected: only the gauges and the attempted range move; the head path's trigger keeps
     * counting, so a rejected slow challenger does not delay the next head-only one.
     */
    public void finetuneDecided(Instant now, GateDecision d, TrainingWindow w, Map<Integer, Long> positions) {
        if (d.admitted()) {
            decided(now, d, w, positions);
        } else {
            w.ranges().forEach(r -> attemptedEnd.merge(r.partition(), r.toOffset(), Math::max));
            gauges.gated(
                    d.championMetrics() == null
                            ? Double.NaN
                            : d.championMetrics().macroF1(),
                    d.challengerMetrics().macroF1());
        }
    }

    /** Refreshes the window gauges. */
    public void updateGauges() {
        gauges.window(window.trainingSize(), window.holdoutSize(), window.fill());
        BackgroundFinetuner.Run f = finetune;
        if (f != null) {
            gauges.finetune(true, f.progress());
        }
    }

    /**
     * For /health: the version in service ({@code championVersion}), the one the gate scores challengers
     * against ({@code gatedAgainst}; null when none fits the task), what the window holds, and for a task that
     * fine-tunes ({@code finetune}) whether a run is going, its step, total steps and last loss.
     */
    public Map<String, Object> describe() {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("championVersion", gauges.championVersion());
        ModelArtifact c = champion;
        d.put("gatedAgainst", c == null ? null : c.meta().version());
        d.put("windowExamples", gauges.windowExamples());
        d.put("holdoutExamples", gauges.holdoutExamples());
        d.put("nextTraining", window.nextTraining());
        if (config.finetune().enabled()) {
            Map<String, Object> f = new java.util.LinkedHashMap<>();
            BackgroundFinetuner.Run run = finetune;
            f.put("mode", config.finetune().mode().name().toLowerCase(java.util.Locale.ROOT));
            f.put("running", run != null);
            if (run != null) {
                f.putAll(run.describe());
            }
            d.put("finetune", f);
        }
        return d;
    }
}
