package io.streamtune.common.model;

import java.util.List;

/**
 * One entry of the audit log {@code streamtune.model-events} (key = task): the trainer's
 * decision on one challenger, published or rejected, with both holdout scores.
 *
 * <pre>{@code
 * {"task":"reviews","version":4,"parentVersion":3,"decision":"REJECTED",
 *  "challenger":{"accuracy":0.41,"macroF1":0.38,...},"champion":{"accuracy":0.93,"macroF1":0.92,...},
 *  "reason":"challenger macro-F1 0.3800 < champion 0.9200 - tolerance 0.0050",
 *  "window":[{"topic":"reviews.examples","partition":0,"fromOffset":812,"toOffset":1020,"count":200}],
 *  "trainingExamples":1800,"holdoutExamples":200,"trainingMillis":2150,"createdAtMillis":1732300000000}
 * }</pre>
 *
 * @param version          the version this challenger has (PUBLISHED) or would have had (REJECTED);
 *                         a rejection does not use up the number
 * @param parentVersion    the champion at the time of the decision; null for a task's first version
 * @param challenger       the challenger's holdout metrics
 * @param champion         the champion's metrics on the same holdout; null when there was none
 * @param reason           why the gate decided so, with both scores
 * @param window           the examples consumed since the parent version (see {@link ModelVersion#window()})
 * @param trainingExamples examples the challenger trained on
 * @param holdoutExamples  examples both models were scored on
 * @param artifact         for PUBLISHED, the artifact bytes as published: the compacted models topic keeps only
 *                         each task's newest version, so this audit trail is where `models rollback` finds older ones
 * @param challengerKind   how the challenger was trained: {@code head} (a head on the champion's or the frozen
 *                         backbone), {@code finetune-bitfit|lora|full} (the encoder itself), {@code cnn}, or
 *                         {@code rollback}; null in records written before it existed
 * @param device           where it trained ({@code cpu}, {@code gpu0}, ...); null when not trained here
 * @param trigger          why the trainer retrained: {@code retrainEvery}, {@code maxWait} or {@code drift (<detector> on
 *                         <statistic>)} for a DRIFT record of the monitor; {@code operator} for a rollback; null in
 *                         records written before it existed
 */
public record ModelEvent(
        String task,
        long version,
        Long parentVersion,
        Decision decision,
        ModelMetrics challenger,
        ModelMetrics champion,
        String reason,
        List<WindowRange> window,
        int trainingExamples,
        int holdoutExamples,
        long trainingMillis,
        String encoderId,
        long createdAtMillis,
        byte[] artifact,
        String challengerKind,
        String device,
        String trigger) {

    /** What the promotion gate did with a challenger. */
    public enum Decision {
        PUBLISHED,
        REJECTED
    }

    public ModelEvent {
        window = window == null ? List.of() : List.copyOf(window);
    }
}
