package io.streamtune.trainer.loop;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.HeadTrainer;
import io.streamtune.trainer.training.Labelled;
import io.streamtune.trainer.training.finetune.FineTuner;
import io.streamtune.trainer.training.finetune.FinetuneResult;

/**
 * The trainer's slow path: fine-tuning challengers (tier 2), one at a time on a single background thread, so the
 * loop keeps polling and training heads meanwhile. The loop starts a run ({@link #start}), looks at it after every
 * poll ({@link Run#isDone}) and gates its result on its own thread; nothing here touches Kafka or the gate.
 *
 * <pre>{@code
 * try (BackgroundFinetuner f = new BackgroundFinetuner(backbones, store, 4 << 20, Duration.ofSeconds(5),
 *         Duration.ofHours(1))) {
 *     BackgroundFinetuner.Run run = f.start(task, champion, window.training());
 *     ... if (run.isDone()) { Challenger c = run.challenger(); gate it }
 * }
 * }</pre>
 *
 * <p>Warm start: from the champion's weights when the champion was fine-tuned in the same mode on the task's encoder,
 * else from the base encoder; the head from the champion when it stands on the same encoder (it fits the task's
 * labels, or it would not be the champion). Weights over {@code inlineMaxBytes} go to the artifact store.
 */
public final class BackgroundFinetuner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundFinetuner.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /**
     * Prepares one run on the loop thread and returns the work the background thread does. Production: the
     * {@link FineTuner} recipe of this class; tests give one that trains nothing (or fails).
     */
    @FunctionalInterface
    interface Recipe {
        java.util.concurrent.Callable<Challenger> prepare(
                TaskConfig task, ModelArtifact champion, List<Labelled> training, Run run) throws ArtifactException;
    }

    private final Recipe recipe;
    private final Backbones backbones;
    private final ArtifactStore store;
    private final long inlineMaxBytes;
    private final Duration progressEvery;
    private final Duration gcMinAge;
    private final FineTuner tuner = new FineTuner();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "streamtune-finetune");
        t.setDaemon(true);
        return t;
    });
    private volatile Run current;

    /**
     * @param backbones where the base encoder's checksum and a champion's weights are read (not owned)
     * @param store where weights over {@code inlineMaxBytes} go; null: none (such weights fail the run)
     * @param inlineMaxBytes encoded packs up to this size travel in the model record ({@code artifacts.inlineMaxBytes})
     * @param progressEvery at most one progress line per this interval
     * @param gcMinAge blobs younger than this are never collected ({@code artifacts.gcMinAge})
     */
    public BackgroundFinetuner(
            Backbones backbones, ArtifactStore store, long inlineMaxBytes, Duration progressEvery, Duration gcMinAge) {
        this.backbones = backbones;
        this.store = store;
        this.inlineMaxBytes = inlineMaxBytes;
        this.progressEvery = progressEvery;
        this.gcMinAge = gcMinAge;
        this.recipe = this::prepare;
    }

    /** Tests: runs {@code recipe} instead of the fine-tuner. */
    BackgroundFinetuner(Recipe recipe, ArtifactStore store, Duration gcMinAge) {
        this.backbones = null;
        this.store = store;
        this.inlineMaxBytes = 0;
        this.progressEvery = Duration.ofSeconds(5);
        this.gcMinAge = gcMinAge;
        this.recipe = recipe;
    }

    /** How old an unreferenced blob must be before it is deleted. */
    public Duration gcMinAge() {
        return gcMinAge;
    }

    /** Whether a run is going (one at a time, whatever the task). */
    public boolean busy() {
        Run r = current;
        return r != null && !r.isDone();
    }

    /** The artifact store large weights go to, or null. */
    public ArtifactStore store() {
        return store;
    }

    /**
     * Prepares (on the caller's thread: base checksum, warm start) and starts a run on the background thread.
     *
     * @param champion the task's champion (fits the task), or null
     * @param training the examples to train on (the current window's training part)
     * @throws ArtifactException when the task's base encoder cannot be opened
     * @throws IllegalStateException when a run is still going
     */
    public Run start(TaskConfig task, ModelArtifact champion, List<Example> examples) throws ArtifactException {
        Run previous = current;
        if (previous != null && !previous.isDone()) {
            throw new IllegalStateException("a fine-tuning run for " + previous.task.name() + " is still going");
        }
        Run run = new Run(task, examples, System.nanoTime(), Instant.now(Clock.systemUTC()));
        java.util.concurrent.Callable<Challenger> work = recipe.prepare(task, champion, Labelled.of(examples), run);
        run.future = executor.submit(work);
        current = run;
        return run;
    }

    /** The fine-tuner recipe: base checksum and warm start here, training on the background thread. */
    private java.util.concurrent.Callable<Challenger> prepare(
            TaskConfig task, ModelArtifact champion, List<Labelled> training, Run run) throws ArtifactException {
        String baseSha256;
        try (Backbones.Lease lease = backbones.frozenText(task.encoder(), task.maxSequenceLength())) {
            baseSha256 = lease.ref().baseSha256();
        }
        TensorPack warmStart = null;
        HeadWeights warmHead = null;
        String from = "the base encoder";
        if (champion != null
                && champion.backbone().kind() == BackboneKind.TEXT_ENCODER
                && champion.backbone().id().equals(task.encoder())) {
            warmHead = champion.head();
            BackboneRef ref = champion.backbone();
            if (ref.isTuned() && ref.weights().format().wireName().equals(wire(task))) {
                try {
                    warmStart = backbones.weights(ref.weights());
                    from = "v" + champion.meta().version() + "'s " + wire(task) + " weights";
                } catch (ArtifactException e) {
                    log.warn(
                            "[{}] cannot read the weights of champion v{} ({}); fine-tuning from the base encoder",
                            task.name(),
                            champion.meta().version(),
                            e.getMessage());
                }
            }
        }
        log.info(
                "[{}] fine-tuning challenger started: finetune.mode {} on {} examples, {} epochs, from {}{}",
                task.name(),
                wire(task),
                training.size(),
                task.finetune().options().epochs(),
                from,
                warmHead == null
                        ? ", new head"
                        : ", head of v" + champion.meta().version());
        TensorPack ws = warmStart;
        HeadWeights wh = warmHead;
        return () -> train(run, task, baseSha256, ws, wh, training);
    }

    private Challenger train(
            Run run,
            TaskConfig task,
            String baseSha256,
            TensorPack warmStart,
            HeadWeights warmHead,
            List<Labelled> training)
            throws Exception {
        io.streamtune.common.config.Device device = task.head().device();
        long[] lastLog = {System.nanoTime()};
        FinetuneResult r = tuner.tune(
                task.encoder(),
                warmStart,
                warmHead,
                task.labels(),
                training,
                task.finetune().options(),
                device,
                (step, total, loss) -> {
                    run.stepped(step, total, loss);
                    long now = System.nanoTime();
                    if (now - lastLog[0] >= progressEvery.toNanos() || step == total) {
                        lastLog[0] = now;
                        log.info(
                                "[{}] fine-tuning ({}): step {}/{}, loss {}",
                                task.name(),
                                wire(task),
                                step,
                                total,
                                String.format(Locale.ROOT, "%.4f", loss));
                    }
                });
        BackboneRef backbone;
        try {
            backbone = r.backbone(task.encoder(), baseSha256, task.maxSequenceLength(), inlineMaxBytes, store);
        } catch (IOException e) {
            throw new IOException(
                    "cannot store the " + wire(task) + " weights in the artifact store " + store + " (artifacts.dir): "
                            + e.getMessage(),
                    e);
        }
        log.info(
                "[{}] fine-tuning ({}) done: {} steps in {} s on {}, last epoch loss {}, weights {}",
                task.name(),
                wire(task),
                r.steps(),
                String.format(Locale.ROOT, "%.1f", r.trainSeconds()),
                r.device(),
                String.format(Locale.ROOT, "%.4f", r.lastLoss()),
                backbone.weights());
        return new Challenger(
                backbone, r.head(), "finetune-" + wire(task), HeadTrainer.name(HeadTrainer.device(device)));
    }

    private static String wire(TaskConfig task) {
        return task.finetune().mode().name().toLowerCase(Locale.ROOT);
    }

    /** Cancels a run in progress (it stops after its current step) and stops the thread. */
    @Override
    public void close() {
        Run r = current;
        if (r != null && !r.isDone()) {
            r.cancel();
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("[trainer] the fine-tuning thread did not stop within {}", CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One fine-tuning run: its progress (read by health and metrics) and, once done, its challenger. */
    public static final class Run {
        private final TaskConfig task;
        private final List<Example> examples;
        private final long startNanos;
        private final Instant startedAt;
        private volatile Future<Challenger> future;
        private volatile boolean cancelled;
        private volatile int step;
        private volatile int totalSteps;
        private volatile double loss = Double.NaN;

        Run(TaskConfig task, List<Example> examples, long startNanos, Instant startedAt) {
            this.task = task;
            this.examples = examples;
            this.startNanos = startNanos;
            this.startedAt = startedAt;
        }

        public TaskConfig task() {
            return task;
        }

        /** The examples it trains on. */
        public List<Example> examples() {
            return examples;
        }

        /** {@link System#nanoTime()} when it started (the gate's training time runs from here). */
        public long startNanos() {
            return startNanos;
        }

        public boolean isDone() {
            Future<Challenger> f = future;
            return f != null && f.isDone();
        }

        /**
         * Progress after a step, on the training thread.
         *
         * @throws CancellationException when the run was cancelled: ends the training
         */
        void stepped(int done, int total, double stepLoss) {
            step = done;
            totalSteps = total;
            loss = stepLoss;
            if (cancelled) {
                throw new CancellationException("fine-tuning of " + task.name() + " cancelled at step " + done);
            }
        }

        /** Asks the run to stop after its current step. */
        public void cancel() {
            cancelled = true;
        }

        /**
         * The trained challenger; call when {@link #isDone()}.
         *
         * @throws ExecutionException with the cause when training failed
         * @throws CancellationException when it was cancelled
         */
        public Challenger challenger() throws ExecutionException, InterruptedException {
            return future.get();
        }

        /** Steps done / to do, and the last step's loss, for health. */
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mode", wire(task));
            d.put("examples", examples.size());
            d.put("startedAt", startedAt.toString());
            d.put("step", step);
            d.put("totalSteps", totalSteps);
            d.put("loss", Double.isNaN(loss) ? null : loss);
            return d;
        }

        /** Share of the steps done, in [0, 1]. */
        public double progress() {
            int total = totalSteps;
            return total == 0 ? 0 : (double) step / total;
        }
    }
}
