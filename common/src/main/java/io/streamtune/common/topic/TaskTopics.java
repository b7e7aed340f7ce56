package io.streamtune.common.topic;

/**
 * The topic names of one task.
 *
 * <pre>{@code
 * TaskTopics t = TaskTopics.of("reviews");
 * t.examples();     // "reviews.examples"
 * t.dlq();          // "reviews.dlq"
 * }</pre>
 */
public record TaskTopics(String task) {
    /** Compacted; key = task name, value = the newest model artifact of that task. */
    public static final String MODELS = "streamtune.models";
    /** Audit log of published and rejected model versions with their metrics. */
    public static final String MODEL_EVENTS = "streamtune.model-events";

    public static TaskTopics of(String task) {
        return new TaskTopics(task);
    }

    public String examples() {
        return task + ".examples";
    }

    public String events() {
        return task + ".events";
    }

    public String predictions() {
        return task + ".predictions";
    }

    public String dlq() {
        return task + ".dlq";
    }

    public String alerts() {
        return task + ".alerts";
    }

    /** The task whose topic this is, or null when the name is not a task topic. */
    public static String taskOf(String topic) {
        int dot = topic.lastIndexOf('.');
        return dot <= 0 || topic.startsWith("streamtune.") ? null : topic.substring(0, dot);
    }
}
