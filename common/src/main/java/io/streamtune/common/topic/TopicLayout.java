package io.streamtune.common.topic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

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
 * Every task topic takes records of up to {@code Limits.writeBytes()} ({@code max.message.bytes}),
 * the model topics {@code Limits.modelWriteBytes()}, so that whatever a producer of streamtune may
 * send is accepted whatever the broker's default (1 MiB on a stock broker); the caller passes both.
 */
public final class TopicLayout {
    static final String DAY_MS = Long.toString(24L * 3600 * 1000);

    private TopicLayout() {}

    /**
     * Every topic of these tasks and the shared ones ({@code StreamtuneConfig.topicLayout()} gives those of a
     * configuration).
     *
     * @param maxMessageBytes what each task topic accepts ({@code Limits.writeBytes()})
     * @param modelMessageBytes what the model topics accept ({@code Limits.modelWriteBytes()})
     */
    public static List<TopicSpec> forTasks(
            Collection<String> tasks, int partitions, short rf, int maxMessageBytes, int modelMessageBytes) {
        List<TopicSpec> specs = new ArrayList<>(shared(rf, modelMessageBytes));
        for (String task : tasks) {
            specs.addAll(forTask(task, partitions, rf, maxMessageBytes));
        }
        return specs;
    }

    /** The topics every task shares; the model topics accept {@code modelMessageBytes} per record. */
    public static List<TopicSpec> shared(short rf, int modelMessageBytes) {
        String modelBytes = Integer.toString(modelMessageBytes);
        return List.of(
                new TopicSpec(
                        TaskTopics.MODELS,
                        1,
                        rf,
                        Map.of(
                                "cleanup.policy",
                                "compact",
                                "max.message.bytes",
                                modelBytes,
                                "min.compaction.lag.ms",
                                "60000"),
                        "model versions, newest per task (compacted, key = task)"),
                new TopicSpec(
                        TaskTopics.MODEL_EVENTS,
                        1,
                        rf,
                        Map.of("retention.ms", "-1", "max.message.bytes", modelBytes),
                        "audit: published and rejected versions with metrics (kept forever)"));
    }

    /** The topics of one task; each takes records of up to {@code maxMessageBytes} ({@code Limits.writeBytes()}). */
    public static List<TopicSpec> forTask(String task, int partitions, short rf, int maxMessageBytes) {
        TaskTopics t = TaskTopics.of(task);
        String bytes = Integer.toString(maxMessageBytes);
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
