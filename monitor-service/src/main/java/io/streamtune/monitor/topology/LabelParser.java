package io.streamtune.monitor.topology;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.metrics.MonitorMetrics.LabelOutcome;
import io.streamtune.monitor.observation.Observation;

/**
 * Reads the id and label of each record on {@code <task>.examples}, keyed by id. Only those two
 * fields matter here: validating the rest (and dead-lettering bad examples) is the trainer's job,
 * so a record without a usable id or label is only counted ({@code outcome=unreadable}).
 * The label's time is its record timestamp: when it was produced, not the time of the text.
 */
final class LabelParser implements Processor<byte[], byte[], String, Observation> {
    private final TaskConfig task;
    private final MonitorMetrics metrics;
    private ProcessorContext<String, Observation> context;

    LabelParser(TaskConfig task, MonitorMetrics metrics) {
        this.task = task;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Observation> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        JsonNode n;
        try {
            n = record.value() == null ? null : Json.mapper().readTree(record.value());
        } catch (IOException | RuntimeException e) {
            n = null;
        }
        JsonNode id = n == null ? null : n.get("id");
        JsonNode label = n == null ? null : n.get("label");
        int index = label == null || !label.isTextual()
                ? -1
                : task.labelIndex(label.asText().trim());
        if (id == null || !id.isValueNode() || id.asText().isBlank() || index < 0) {
            metrics.label(task.name(), LabelOutcome.UNREADABLE);
            return;
        }
        String key = id.asText().trim();
        context.forward(new Record<>(key, Observation.label(key, index), record.timestamp(), record.headers()));
    }
}
