package io.streamtune.common.topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.streamtune.common.config.Limits;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;

/**
 * The documented layout of every topic streamtune uses (README, "Topics").
 *
 * <ul>
 *   <li>{@code <task>.examples}: configured partitions, 30 days, so a restarted trainer can
 *       rebuild its window from the topic;</li>
 *   <li>{@code <task>.events}: configured partitions, 7 days;</li>
 *   <li>{@code <task>.predictions}, {@code <task>.alerts}: as many partitions as events, 7 days;</li>
 *   <li>{@code <task>.dlq}: 1 partition, 30 days, so an operator has time to look;</li>
 *   <li>{@code streamtune.models}: 1 partition, compacted, 16 MiB models;</li>
 *   <li>{@code streamtune.model-events}: 1 partition, kept forever (the audit trail).</li>
 * </ul>
 * Every task topic takes records of up to {@link Limits#writeBytes()} ({@code max.message.bytes}),
 * the model topics {@link Limits#modelWriteBytes()}, so that whatever a producer of streamtune may
 * send is accepted whatever the broker's default (1 MiB on a stock broker).
 */
public final class TopicLayout {
    static final String DAY_MS = Long.toString(24L * 3600 * 1000);
    /** The largest model record, in bytes, as a topic config value ({@link Limits#MODEL_BYTES}). */
    public static final String MAX_MODEL_BYTES = Integer.toString(Limits.MODEL_BYTES);
    /** {@code max.message.bytes} of the model topics: a model of {@link #MAX_MODEL_BYTES} plus overhead fits. */
    static final String MODEL_TOPIC_BYTES = Integer.toString(Limits.modelWriteBytes());

    private TopicLayout() {
    }

    public static List<TopicSpec> forConfig(StreamtuneConfig config) {
        List<TopicSpec> specs = new ArrayList<>(shared(config.replicationFactor()));
        for (TaskConfig task : config.tasks().values()) {
            specs.addAll(forTask(task.name(), config.partitions(), config.replicationFactor(), config.limits()));
        }
        return specs;
    }

    public static List<TopicSpec> shared(short rf) {
        return List.of(
                new TopicSpec(TaskTopics.MODELS, 1, rf, Map.of("cleanup.policy", "compact",
                        "max.message.bytes", MODEL_TOPIC_BYTES, "min.compaction.lag.ms", "60000"),
                        "model versions, newest per task (compacted, key = task)"),
                new TopicSpec(TaskTopics.MODEL_EVENTS, 1, rf, Map.of("retention.ms", "-1", "max.message.bytes",
                        MODEL_TOPIC_BYTES), "audit: published and rejected versions with metrics (kept forever)"));
    }

    /** The topics of one task; each takes records of up to {@link Limits#writeBytes()}. */
    public static List<TopicSpec> forTask(String task, int partitions, short rf, Limits limits) {
        TaskTopics t = TaskTopics.of(task);
        String bytes = Integer.toString(limits.writeBytes());
        return List.of(
                new TopicSpec(t.examples(), partitions, rf, sized(days(30), bytes), "labelled examples (training)"),
                new TopicSpec(t.events(), partitions, rf, sized(days(7), bytes), "events to classify"),
                new TopicSpec(t.predictions(), partitions, rf, sized(days(7), bytes), "predictions"),
                new TopicSpec(t.dlq(), 1, rf, sized(days(30), bytes), "rejected records with reason headers"),
                new TopicSpec(t.alerts(), 1, rf, sized(days(7), bytes), "monitoring alerts"));
    }

    private static Map<String, String> sized(String retentionMs, String maxMessageBytes) {
        return Map.of("retention.ms", retentionMs, "max.message.bytes", maxMessageBytes);
    }

    private static String days(int n) {
        return Long.toString(n * Long.parseLong(DAY_MS));
    }
}
