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
 *   <li>{@code streamtune.models}: 1 partition, compacted, 16 MiB messages;</li>
 *   <li>{@code streamtune.model-events}: 1 partition, kept forever (the audit trail).</li>
 * </ul>
 */
public final class TopicLayout {
    static final String DAY_MS = Long.toString(24L * 3600 * 1000);
    public static final String MAX_MODEL_BYTES = Integer.toString(16 * 1024 * 1024);

    private TopicLayout() {
    }

    /**
     * Every topic of these tasks and the shared ones ({@code StreamtuneConfig.topicLayout()} gives those of a
     * configuration).
     */
    public static List<TopicSpec> forTasks(Collection<String> tasks, int partitions, short rf) {
        List<TopicSpec> specs = new ArrayList<>(shared(rf));
        for (String task : tasks) {
            specs.addAll(forTask(task, partitions, rf));
        }
        return specs;
    }

    public static List<TopicSpec> shared(short rf) {
        return List.of(
                new TopicSpec(TaskTopics.MODELS, 1, rf, Map.of("cleanup.policy", "compact", "max.message.bytes", MAX_MODEL_BYTES,
                        "min.compaction.lag.ms", "60000"), "model versions, newest per task (compacted, key = task)"),
                new TopicSpec(TaskTopics.MODEL_EVENTS, 1, rf, Map.of("retention.ms", "-1", "max.message.bytes", MAX_MODEL_BYTES),
                        "audit: published and rejected versions with metrics (kept forever)"));
    }

    public static List<TopicSpec> forTask(String task, int partitions, short rf) {
        TaskTopics t = TaskTopics.of(task);
        return List.of(
                new TopicSpec(t.examples(), partitions, rf, Map.of("retention.ms", days(30)), "labelled examples (training input)"),
                new TopicSpec(t.events(), partitions, rf, Map.of("retention.ms", days(7)), "events to classify"),
                new TopicSpec(t.predictions(), partitions, rf, Map.of("retention.ms", days(7)), "predictions"),
                new TopicSpec(t.dlq(), 1, rf, Map.of("retention.ms", days(30)), "rejected records with reason headers"),
                new TopicSpec(t.alerts(), 1, rf, Map.of("retention.ms", days(7)), "monitoring alerts"));
    }

    private static String days(int n) {
        return Long.toString(n * Long.parseLong(DAY_MS));
    }
}
