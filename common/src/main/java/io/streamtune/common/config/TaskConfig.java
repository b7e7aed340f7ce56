package io.streamtune.common.config;

import java.util.List;

import io.streamtune.common.topic.TaskTopics;

/**
 * One named classification problem, declared in the configuration file.
 *
 * <pre>{@code
 * tasks:
 *   - name: reviews
 *     labels: [negative, neutral, positive]
 *     encoder: all-minilm-l6-v2
 * }</pre>
 *
 * @param labels  ordered label set; the order is the order of scores in predictions
 * @param monitor how the monitor service watches the task ({@link MonitorPolicy#defaults()}: not at all)
 */
public record TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                         int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head,
                         MonitorPolicy monitor) {
    public TaskConfig {
        labels = List.copyOf(labels);
        monitor = monitor == null ? MonitorPolicy.defaults() : monitor;
    }

    /** A task that is not monitored (the signature from before monitoring existed). */
    public TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                      int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head) {
        this(name, modality, labels, encoder, maxSequenceLength, maxTextChars, maxImageBytes, window, gate, head,
                MonitorPolicy.defaults());
    }

    public TaskTopics topics() {
        return TaskTopics.of(name);
    }

    public int labelIndex(String label) {
        return labels.indexOf(label);
    }
}
