package io.streamtune.trainer.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.streamtune.common.event.Reason;

/**
 * Every meter of the trainer, by name. Tags: {@code task}, {@code outcome} (published, rejected,
 * failed) and {@code reason} (a dead-letter {@link Reason}); all bounded.
 */
public final class TrainerMetrics {
    public static final String EXAMPLES_CONSUMED = "streamtune.trainer.examples.consumed";
    public static final String EXAMPLES_REJECTED = "streamtune.trainer.examples.rejected";
    public static final String WINDOW_FILL = "streamtune.trainer.window.fill";
    public static final String WINDOW_EXAMPLES = "streamtune.trainer.window.examples";
    public static final String HOLDOUT_EXAMPLES = "streamtune.trainer.holdout.examples";
    public static final String TRAINING_TIME = "streamtune.trainer.training.time";
    public static final String CHAMPION_MACRO_F1 = "streamtune.trainer.champion.macro.f1";
    public static final String CHALLENGER_MACRO_F1 = "streamtune.trainer.challenger.macro.f1";
    public static final String VERSIONS = "streamtune.trainer.versions";
    public static final String CHAMPION_VERSION = "streamtune.trainer.champion.version";
    public static final String FINETUNE_RUNNING = "streamtune.trainer.finetune.running";
    public static final String FINETUNE_PROGRESS = "streamtune.trainer.finetune.progress";
    public static final String ARTIFACTS_DELETED = "streamtune.trainer.artifacts.deleted";

    public static final String TAG_TASK = "task";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String PUBLISHED = "published";
    public static final String REJECTED = "rejected";
    public static final String FAILED = "failed";

    /** Values the gauges of one task read; written by the trainer loop, read by the metrics endpoint. */
    public static final class TaskGauges {
        private volatile double windowFill;
        private volatile long windowExamples;
        private volatile long holdoutExamples;
        private volatile double championMacroF1 = Double.NaN;
        private volatile double challengerMacroF1 = Double.NaN;
        private volatile long championVersion;
        private volatile double finetuneRunning;
        private volatile double finetuneProgress;

        /** Whether a fine-tuning run is going and the share of its steps done. */
        public void finetune(boolean running, double progress) {
            finetuneRunning = running ? 1 : 0;
            finetuneProgress = progress;
        }

        public boolean finetuneRunning() {
            return finetuneRunning > 0;
        }

        /** The version in service (0: none). */
        public void championVersion(long version) {
            championVersion = version;
        }

        public long championVersion() {
            return championVersion;
        }

        /** Both scores at the last gate; NaN for no champion. */
        public void gated(double champion, double challenger) {
            championMacroF1 = champion;
            challengerMacroF1 = challenger;
        }

        /** What the window holds. */
        public void window(long examples, long holdout, double fill) {
            windowExamples = examples;
            holdoutExamples = holdout;
            windowFill = fill;
        }

        public long windowExamples() {
            return windowExamples;
        }

        public long holdoutExamples() {
            return holdoutExamples;
        }
    }

    private final MeterRegistry registry;
    private final Map<String, TaskGauges> gauges = new ConcurrentHashMap<>();

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the gauges of a task and returns the holder the loop writes. */
    public TaskGauges task(String task) {
        return gauges.computeIfAbsent(task, t -> {
            TaskGauges g = new TaskGauges();
            Gauge.builder(WINDOW_FILL, g, x -> x.windowFill)
                    .tag(TAG_TASK, t)
                    .description("training examples held / window.size")
                    .register(registry);
            Gauge.builder(WINDOW_EXAMPLES, g, x -> x.windowExamples)
                    .tag(TAG_TASK, t)
                    .description("training examples held")
                    .register(registry);
            Gauge.builder(HOLDOUT_EXAMPLES, g, x -> x.holdoutExamples)
                    .tag(TAG_TASK, t)
                    .description("holdout examples held")
                    .register(registry);
            Gauge.builder(CHAMPION_MACRO_F1, g, x -> x.championMacroF1)
                    .tag(TAG_TASK, t)
                    .description("champion macro-F1 at the last gate")
                    .register(registry);
            Gauge.builder(CHALLENGER_MACRO_F1, g, x -> x.challengerMacroF1)
                    .tag(TAG_TASK, t)
                    .description("challenger macro-F1 at the last gate")
                    .register(registry);
            Gauge.builder(CHAMPION_VERSION, g, x -> x.championVersion)
                    .tag(TAG_TASK, t)
                    .description("version in service, 0 for none")
                    .register(registry);
            Gauge.builder(FINETUNE_RUNNING, g, x -> x.finetuneRunning)
                    .tag(TAG_TASK, t)
                    .description("1 while a fine-tuning challenger trains, else 0")
                    .register(registry);
            Gauge.builder(FINETUNE_PROGRESS, g, x -> x.finetuneProgress)
                    .tag(TAG_TASK, t)
                    .description("share of the running fine-tune's steps done")
                    .register(registry);
            return g;
        });
    }

    public void consumed(String task) {
        Counter.builder(EXAMPLES_CONSUMED)
                .tag(TAG_TASK, task)
                .register(registry)
                .increment();
    }

    public void rejected(String task, Reason reason) {
        Counter.builder(EXAMPLES_REJECTED)
                .tag(TAG_TASK, task)
                .tag(TAG_REASON, reason.name())
                .register(registry)
                .increment();
    }

    public void trained(String task, String outcome, long millis) {
        Timer.builder(TRAINING_TIME)
                .tag(TAG_TASK, task)
                .tag(TAG_OUTCOME, outcome)
                .register(registry)
                .record(millis, TimeUnit.MILLISECONDS);
        Counter.builder(VERSIONS)
                .tag(TAG_TASK, task)
                .tag(TAG_OUTCOME, outcome)
                .register(registry)
                .increment();
    }

    /** Blobs the artifact garbage collection deleted. */
    public void artifactsDeleted(int n) {
        Counter.builder(ARTIFACTS_DELETED)
                .description("blobs no retained version referenced, deleted")
                .register(registry)
                .increment(n);
    }

    public double count(String name, String task, String outcome) {
        Counter c = registry.find(name)
                .tag(TAG_TASK, task)
                .tag(TAG_OUTCOME, outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
