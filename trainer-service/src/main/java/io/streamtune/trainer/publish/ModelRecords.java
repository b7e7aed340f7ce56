package io.streamtune.trainer.publish;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/** The records the trainer writes about models: artifacts on {@code streamtune.models}, decisions on the audit log. */
public final class ModelRecords {
    private ModelRecords() {}

    /** The artifact keyed by its task, so compaction keeps each task's newest version. */
    public static ProducerRecord<byte[], byte[]> model(ModelArtifact artifact) {
        return new ProducerRecord<>(TaskTopics.MODELS, key(artifact.meta().task()), artifact.toBytes());
    }

    public static ProducerRecord<byte[], byte[]> event(ModelEvent event) {
        return new ProducerRecord<>(TaskTopics.MODEL_EVENTS, key(event.task()), Json.write(event));
    }

    public static byte[] key(String task) {
        return task.getBytes(StandardCharsets.UTF_8);
    }
}
