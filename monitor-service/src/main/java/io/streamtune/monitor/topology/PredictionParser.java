package io.streamtune.monitor.topology;

import java.io.IOException;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.metrics.MonitorMetrics.PredictionOutcome;
import io.streamtune.monitor.observation.Observation;

/**
 * Reads {@code <task>.predictions} (bytes) into {@link Observation}s. Predictions are the scorer's
 * own output, so an unreadable one is a fault elsewhere: it is logged and counted
 * ({@code outcome=unreadable}), never sent anywhere (it is still on the predictions topic).
 * The event time is the prediction's {@code ts}, or the record timestamp when it has none.
 */
final class PredictionParser implements Processor<byte[], byte[], byte[], Observation> {
    private static final Logger log = LoggerFactory.getLogger(PredictionParser.class);

    private final TaskConfig task;
    private final String entityAttribute;
    private final MonitorMetrics metrics;
    private ProcessorContext<byte[], Observation> context;

    PredictionParser(TaskConfig task, MonitorMetrics metrics) {
        this.task = task;
        this.entityAttribute = task.monitor().entityAttribute();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Observation> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Prediction p;
        try {
            p = record.value() == null ? null : Json.read(record.value(), Prediction.class);
        } catch (IOException | RuntimeException e) {
            p = null;
        }
        int label = p == null || p.label() == null ? -1 : task.labelIndex(p.label());
        if (p == null || p.id() == null || label < 0) {
            metrics.prediction(task.name(), PredictionOutcome.UNREADABLE);
            log.warn(
                    "[monitor task={}] skipping an unreadable prediction at {}-{}@{} (not JSON of a prediction with one of {})",
                    task.name(),
                    context.recordMetadata().map(m -> m.topic()).orElse("?"),
                    context.recordMetadata().map(m -> m.partition()).orElse(-1),
                    context.recordMetadata().map(m -> m.offset()).orElse(-1L),
                    task.labels());
            return;
        }
        String entity = p.attrs().get(entityAttribute);
        if (entity != null && entity.isBlank()) {
            entity = null;
        }
        metrics.prediction(task.name(), entity == null ? PredictionOutcome.NO_ENTITY : PredictionOutcome.MONITORED);
        Double score = p.scores() == null ? null : p.scores().get(p.label());
        long eventTime = p.ts() > 0 ? p.ts() : record.timestamp();
        context.forward(record.withValue(Observation.prediction(
                p.id(), entity, label, score == null ? 0f : score.floatValue(), p.modelVersion(), eventTime)));
    }
}
