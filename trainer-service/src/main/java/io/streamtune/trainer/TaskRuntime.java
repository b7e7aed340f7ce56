package io.streamtune.trainer;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.window.TaskWindow;

/**
 * One task's state inside the trainer loop (not thread-safe; the loop thread owns it).
 *
 * <p>Per partition of {@code <task>.examples}, three boundaries decide how a record read after a
 * restart is treated: below {@code rangeStart} it only refills the window (a published version
 * covers it); at or above it, it belongs to the next version's range; above {@code attemptedEnd}
 * it counts as new for the retrain trigger; at or above {@code routedFrom} (the committed
 * offset) it is seen for the first time, so a bad record goes to the dead-letter topic.
 */
final class TaskRuntime {
    final TaskConfig config;
    final List<TopicPartition> partitions;
    final TaskWindow window;
    final PromotionGate gate;
    final TextEncoder encoder;
    final TrainerMetrics.TaskGauges gauges;
    final Map<Integer, Long> rangeStart;
    final Map<Integer, Long> attemptedEnd;
    final Map<Integer, Long> routedFrom;
    /** Champion the gate scores; null when there is none or it does not fit the task's labels and encoder. */
    ModelArtifact champion;
    long lastVersion;

    TaskRuntime(TaskConfig config, List<TopicPartition> partitions, TaskWindow window, PromotionGate gate, TextEncoder encoder,
                TrainerMetrics.TaskGauges gauges, Map<Integer, Long> rangeStart, Map<Integer, Long> attemptedEnd,
                Map<Integer, Long> routedFrom) {
        this.config = config;
        this.partitions = partitions;
        this.window = window;
        this.gate = gate;
        this.encoder = encoder;
        this.gauges = gauges;
        this.rangeStart = rangeStart;
        this.attemptedEnd = attemptedEnd;
        this.routedFrom = routedFrom;
    }

    String name() {
        return config.name();
    }
}
