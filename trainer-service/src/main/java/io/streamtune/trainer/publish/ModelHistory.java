package io.streamtune.trainer.publish;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicReader;

/**
 * What the trainer knows at start from {@code streamtune.models} and {@code streamtune.model-events}
 * (read_committed, from the beginning to the end): each task's champion, its last version number,
 * and per partition of {@code <task>.examples} where the last published and the last attempted
 * windows ended.
 */
public final class ModelHistory {
    private static final Logger log = LoggerFactory.getLogger(ModelHistory.class);

    /**
     * One task's history.
     *
     * @param champion     the newest committed artifact of the task, or null
     * @param lastVersion  highest published version number, 0 when none
     * @param publishedEnd per partition, the highest {@code toOffset} of any published version's window
     * @param attemptedEnd per partition, the highest {@code toOffset} of any decision, published or rejected
     */
    public record TaskHistory(ModelArtifact champion, long lastVersion, Map<Integer, Long> publishedEnd,
                              Map<Integer, Long> attemptedEnd) {
        public static TaskHistory empty() {
            return new TaskHistory(null, 0, Map.of(), Map.of());
        }
    }

    private ModelHistory() {
    }

    /** Reads both topics to their end; topics that do not exist yet read as empty. */
    public static Map<String, TaskHistory> read(Properties base, Set<String> tasks, Duration timeout) {
        Map<String, ModelArtifact> champions = new HashMap<>();
        Map<String, Long> lastVersion = new HashMap<>();
        Map<String, Map<Integer, Long>> publishedEnd = new HashMap<>();
        Map<String, Map<Integer, Long>> attemptedEnd = new HashMap<>();
        for (String t : tasks) {
            publishedEnd.put(t, new TreeMap<>());
            attemptedEnd.put(t, new TreeMap<>());
        }
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(base, List.of(TaskTopics.MODELS, TaskTopics.MODEL_EVENTS), timeout)) {
            if (r.value() == null) {
                continue;
            }
            if (r.topic().equals(TaskTopics.MODELS)) {
                try {
                    ModelArtifact a = ModelArtifact.parse(r.value());
                    String task = a.meta().task();
                    if (tasks.contains(task)) {
                        champions.put(task, a);
                        lastVersion.merge(task, a.meta().version(), Math::max);
                        ends(a.meta().window(), task, publishedEnd.get(task));
                    }
                } catch (ArtifactException e) {
                    log.warn("skipping an unreadable model record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                            e.getMessage());
                }
            } else if (RecordType.of(r.headers()) == RecordType.MODEL_EVENT) { // live metrics etc. are not decisions
                try {
                    ModelEvent e = Json.read(r.value(), ModelEvent.class);
                    if (e.task() == null || e.decision() == null || !tasks.contains(e.task())) {
                        continue;
                    }
                    ends(e.window(), e.task(), attemptedEnd.get(e.task()));
                    if (e.decision() == ModelEvent.Decision.PUBLISHED) {
                        lastVersion.merge(e.task(), e.version(), Math::max);
                        ends(e.window(), e.task(), publishedEnd.get(e.task()));
                    }
                } catch (IOException | RuntimeException ex) {
                    log.warn("skipping an unreadable model event at {}@{}: {}", r.topic(), r.offset(), ex.getMessage());
                }
            }
        }
        Map<String, TaskHistory> out = new HashMap<>();
        for (String t : tasks) {
            Map<Integer, Long> attempted = new TreeMap<>(attemptedEnd.get(t));
            publishedEnd.get(t).forEach((p, end) -> attempted.merge(p, end, Math::max));
            out.put(t, new TaskHistory(champions.get(t), lastVersion.getOrDefault(t, 0L), Map.copyOf(publishedEnd.get(t)),
                    Map.copyOf(attempted)));
        }
        return out;
    }

    private static void ends(List<WindowRange> window, String task, Map<Integer, Long> into) {
        String topic = TaskTopics.of(task).examples();
        for (WindowRange w : window) {
            if (topic.equals(w.topic())) {
                into.merge(w.partition(), w.toOffset(), Math::max);
            }
        }
    }

    /**
     * The newest readable artifact of {@code task} on {@code streamtune.models}, or null: how a running
     * trainer notices a version that another writer published (an operator's rollback).
     */
    public static ModelArtifact latestPublished(Properties base, String task, Duration timeout) {
        ModelArtifact latest = null;
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(base, List.of(TaskTopics.MODELS), timeout)) {
            if (r.value() == null || r.key() == null || !task.equals(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                continue;
            }
            try {
                ModelArtifact a = ModelArtifact.parse(r.value());
                if (latest == null || a.meta().version() > latest.meta().version()) {
                    latest = a;
                }
            } catch (ArtifactException e) {
                log.warn("skipping an unreadable model record at {}@{}: {}", r.topic(), r.offset(), e.getMessage());
            }
        }
        return latest;
    }
}
