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
 * @param finetune whether and how often the trainer fine-tunes the encoder ({@link FinetunePolicy#none()}: never)
 */
public record TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                         int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head,
                         MonitorPolicy monitor, FinetunePolicy finetune) {
    public TaskConfig {
        labels = List.copyOf(labels);
        monitor = monitor == null ? MonitorPolicy.defaults() : monitor;
        finetune = finetune == null ? FinetunePolicy.none() : finetune;
    }

    /** A task that is not fine-tuned (the signature from before fine-tuning existed). */
    public TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                      int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head,
                      MonitorPolicy monitor) {
        this(name, modality, labels, encoder, maxSequenceLength, maxTextChars, maxImageBytes, window, gate, head,
                monitor, FinetunePolicy.none());
    }

    /** A task that is not monitored (the signature from before monitoring existed). */
    public TaskConfig(String name, Modality modality, List<String> labels, String encoder, int maxSequenceLength,
                      int maxTextChars, int maxImageBytes, WindowPolicy window, GatePolicy gate, HeadPolicy head) {
        this(name, modality, labels, encoder, maxSequenceLength, maxTextChars, maxImageBytes, window, gate, head,
                MonitorPolicy.defaults());
    }

    /** A copy with another fine-tuning policy. */
    public TaskConfig withFinetune(FinetunePolicy f) {
        return new TaskConfig(name, modality, labels, encoder, maxSequenceLength, maxTextChars, maxImageBytes, window,
                gate, head, monitor, f);
    }

    public TaskTopics topics() {
        return TaskTopics.of(name);
    }

    public int labelIndex(String label) {
        return labels.indexOf(label);
    }
}
