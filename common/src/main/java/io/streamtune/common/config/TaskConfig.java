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
 * @param labels ordered label set; the order is the order of scores in predictions
 */
public record TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                         int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head) {
    public TaskConfig {
        labels = List.copyOf(labels);
    }

    public TaskTopics topics() {
        return TaskTopics.of(name);
    }

    public int labelIndex(String label) {
        return labels.indexOf(label);
    }
}
