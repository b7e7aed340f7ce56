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
 *     encoder: all-minilm-l6-v2          # or {id: all-minilm-l6-v2, precision: int8}
 * }</pre>
 *
 * @param labels  ordered label set; the order is the order of scores in predictions
 * @param encoder the id of the encoder the task trains and serves on, precision applied (int8 is the
 *     encoder's {@code -q} export, e.g. {@code all-minilm-l6-v2-q}): what its backbone is opened by and what
 *     its model versions record
 * @param monitor how the monitor service watches the task ({@link MonitorPolicy#defaults()}: not at all)
 * @param image   an image task's input ({@code image.*}); the defaults for a text task, which ignores it
 * @param cnn     an image task's CNN training ({@code cnn.*}); the defaults for a text task, which ignores it
 * @param finetune whether and how often the trainer fine-tunes the encoder ({@link FinetunePolicy#none()}: never)
 */
public record TaskConfig(
        String name,
        Modality modality,
        List<String> labels,
        String encoder,
        int maxSequenceLength,
        int maxTextChars,
        int maxImageBytes,
        WindowPolicy window,
        GatePolicy gate,
        HeadPolicy head,
        MonitorPolicy monitor,
        ImagePolicy image,
        CnnPolicy cnn,
        FinetunePolicy finetune) {
    public TaskConfig {
        labels = List.copyOf(labels);
        monitor = monitor == null ? MonitorPolicy.defaults() : monitor;
        image = image == null ? ImageSettings.defaults() : image;
        cnn = cnn == null ? CnnSettings.defaults() : cnn;
        finetune = finetune == null ? FinetunePolicy.none() : finetune;
    }

    /** A task that is not fine-tuned (the signature from before fine-tuning was wired into the trainer). */
    public TaskConfig(
            String name,
            Modality modality,
            List<String> labels,
            String encoder,
            int maxSequenceLength,
            int maxTextChars,
            int maxImageBytes,
            WindowPolicy window,
            GatePolicy gate,
            HeadPolicy head,
            MonitorPolicy monitor,
            ImagePolicy image,
            CnnPolicy cnn) {
        this(
                name,
                modality,
                labels,
                encoder,
                maxSequenceLength,
                maxTextChars,
                maxImageBytes,
                window,
                gate,
                head,
                monitor,
                image,
                cnn,
                FinetunePolicy.none());
    }

    /** A text task with this fine-tuning policy and the default image and CNN settings. */
    public TaskConfig(
            String name,
            Modality modality,
            List<String> labels,
            String encoder,
            int maxSequenceLength,
            int maxTextChars,
            int maxImageBytes,
            WindowPolicy window,
            GatePolicy gate,
            HeadPolicy head,
            MonitorPolicy monitor,
            FinetunePolicy finetune) {
        this(
                name,
                modality,
                labels,
                encoder,
                maxSequenceLength,
                maxTextChars,
                maxImageBytes,
                window,
                gate,
                head,
                monitor,
                null,
                null,
                finetune);
    }

    /** A task with the default image, CNN and fine-tuning settings (the signature from before those existed). */
    public TaskConfig(
            String name,
            Modality modality,
            List<String> labels,
            String encoder,
            int maxSequenceLength,
            int maxTextChars,
            int maxImageBytes,
            WindowPolicy window,
            GatePolicy gate,
            HeadPolicy head,
            MonitorPolicy monitor) {
        this(
                name,
                modality,
                labels,
                encoder,
                maxSequenceLength,
                maxTextChars,
                maxImageBytes,
                window,
                gate,
                head,
                monitor,
                null,
                null,
                FinetunePolicy.none());
    }

    /** A task that is not monitored (the signature from before monitoring existed). */
    public TaskConfig(
            String name,
            Modality modality,
            List<String> labels,
            String encoder,
            int maxSequenceLength,
            int maxTextChars,
            int maxImageBytes,
            WindowPolicy window,
            GatePolicy gate,
            HeadPolicy head) {
        this(
                name,
                modality,
                labels,
                encoder,
                maxSequenceLength,
                maxTextChars,
                maxImageBytes,
                window,
                gate,
                head,
                MonitorPolicy.defaults());
    }

    /** A copy with another fine-tuning policy. */
    public TaskConfig withFinetune(FinetunePolicy f) {
        return new TaskConfig(
                name,
                modality,
                labels,
                encoder,
                maxSequenceLength,
                maxTextChars,
                maxImageBytes,
                window,
                gate,
                head,
                monitor,
                image,
                cnn,
                f);
    }

    public TaskTopics topics() {
        return TaskTopics.of(name);
    }

    public int labelIndex(String label) {
        return labels.indexOf(label);
    }

    /** The precision of the task's encoder ({@code encoder.precision}). */
    public Precision precision() {
        return EncoderPrecisions.precisionOf(encoder);
    }
}
