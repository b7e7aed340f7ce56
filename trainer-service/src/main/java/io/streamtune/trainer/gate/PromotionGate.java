package io.streamtune.trainer.gate;

import java.time.Clock;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Learner;
import io.streamtune.trainer.window.TrainingWindow;

/**
 * Trains a challenger on a window and decides whether it may replace the champion: both are
 * scored on the same holdout snapshot and the task's {@link io.streamtune.common.config.GatePolicy}
 * decides (guarantee 5: a worse model is never published). Every kind of challenger (a head, a
 * fine-tuned encoder, a CNN) goes through the same gate: the {@link Learner} decides how it trains.
 *
 * <pre>{@code
 * GateDecision d = gate.judge(task, champion, version, parentVersion, window);
 * if (d.admitted()) publish(d.challenger());
 * }</pre>
 */
public final class PromotionGate {
    private static final Logger log = LoggerFactory.getLogger(PromotionGate.class);

    private final Learner learner;
    private final Clock clock;

    public PromotionGate(Learner learner, Clock clock) {
        this.learner = learner;
        this.clock = clock;
    }

    /**
     * @param champion      the version in service, or null; scored on the window's holdout
     * @param version       the number the challenger gets if published
     * @param parentVersion the champion's version, or null for the first
     */
    public GateDecision judge(
            TaskConfig task, ModelArtifact champion, long version, Long parentVersion, TrainingWindow window)
            throws ArtifactException {
        long t0 = System.nanoTime();
        Challenger trained = learner.train(task, champion, window.training());
        return judge(task, champion, version, parentVersion, window, trained, t0);
    }

    /**
     * Gates a challenger trained elsewhere (the fine-tuning path trains off the loop thread) on this
     * window's holdout.
     *
     * @param trainingStartNanos {@link System#nanoTime()} when its training began, for the training time
     */
    public GateDecision judge(
            TaskConfig task,
            ModelArtifact champion,
            long version,
            Long parentVersion,
            TrainingWindow window,
            Challenger trained,
            long trainingStartNanos)
            throws ArtifactException {
        BackboneRef backbone = trained.backbone();
        ModelArtifact draft = ModelArtifact.of(
                meta(task, version, parentVersion, null, window, "", backbone), backbone, trained.head());
        ModelMetrics challengerMetrics = learner.evaluate(task, draft, window.holdout());
        ModelMetrics championMetrics = null;
        if (champion != null) {
            try {
                championMetrics = learner.evaluate(task, champion, window.holdout());
            } catch (ArtifactException e) {
                log.warn(
                        "[{} v{}] champion cannot be scored, gating against the floor only: {}",
                        task.name(),
                        champion.meta().version(),
                        e.getMessage());
            }
        }
        long millis = (System.nanoTime() - trainingStartNanos) / 1_000_000;
        Double championF1 = championMetrics == null ? null : championMetrics.macroF1();
        boolean admitted = task.gate().admits(challengerMetrics.macroF1(), championF1);
        String reason = reason(task, challengerMetrics.macroF1(), championF1, admitted);
        String note =
                trained.kind() + " challenger trained on " + window.training().size() + " examples, holdout "
                        + window.holdout().size() + "; " + reason;
        ModelArtifact challenger =
                draft.withMeta(meta(task, version, parentVersion, challengerMetrics, window, note, backbone));
        return new GateDecision(
                challenger,
                challengerMetrics,
                championMetrics,
                admitted,
                reason,
                millis,
                trained.kind(),
                trained.device());
    }

    private ModelVersion meta(
            TaskConfig task,
            long version,
            Long parent,
            ModelMetrics metrics,
            TrainingWindow window,
            String note,
            BackboneRef backbone) {
        return new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task.name(),
                version,
                parent,
                backbone.id(),
                backbone.baseSha256(),
                task.labels(),
                metrics,
                window.ranges(),
                clock.millis(),
                note);
    }

    static String reason(TaskConfig task, double challenger, Double champion, boolean admitted) {
        double floor = task.gate().floor();
        double tol = task.gate().tolerance();
        if (challenger < floor) {
            return champion == null
                    ? f("challenger macro-F1 %.4f < floor %.4f; no champion", challenger, floor)
                    : f("challenger macro-F1 %.4f < floor %.4f; champion %.4f", challenger, floor, champion);
        }
        if (champion == null) {
            return f("no champion; challenger macro-F1 %.4f >= floor %.4f", challenger, floor);
        }
        return admitted
                ? f("challenger macro-F1 %.4f >= champion %.4f - tolerance %.4f", challenger, champion, tol)
                : f("challenger macro-F1 %.4f < champion %.4f - tolerance %.4f", challenger, champion, tol);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
