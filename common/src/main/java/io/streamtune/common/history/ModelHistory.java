package io.streamtune.common.history;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.TopicReader;
import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/**
 * What {@code streamtune.models} and {@code streamtune.model-events} say about tasks, read
 * read_committed from the beginning to the end: every readable published artifact (the compacted
 * models topic keeps only each task's newest record, so the audit log's copies are where older
 * versions are found), every decision, and per partition of {@code <task>.examples} where the last
 * published and the last attempted windows ended. The trainer reads it at start; {@code models
 * list|show|rollback} read it too.
 *
 * <p>The champion is the <em>newest valid</em> version, wherever it sits in the logs: an unreadable
 * record, or a lower version written last (an old artifact published again by hand), never becomes
 * the champion.
 */
public final class ModelHistory {
    private static final Logger log = LoggerFactory.getLogger(ModelHistory.class);

    /**
     * One task's history.
     *
     * @param artifacts    every readable published artifact of the task, by version
     * @param events       every decision on the audit log, in time order
     * @param lastVersion  highest version number published (readable or referenced by a decision), 0 when none
     * @param publishedEnd per partition, the highest {@code toOffset} of any published version's window
     * @param attemptedEnd per partition, the highest {@code toOffset} of any decision, published or rejected
     * @param liveMetrics per version, the newest live-metrics record the monitor wrote (accuracy from late labels)
     */
    public record TaskHistory(
            SortedMap<Long, ModelArtifact> artifacts,
            List<ModelEvent> events,
            long lastVersion,
            Map<Integer, Long> publishedEnd,
            Map<Integer, Long> attemptedEnd,
            Map<Long, LiveMetrics> liveMetrics) {
        public TaskHistory {
            artifacts = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(artifacts));
            events = List.copyOf(events);
            publishedEnd = Map.copyOf(publishedEnd);
            attemptedEnd = Map.copyOf(attemptedEnd);
            liveMetrics = Map.copyOf(liveMetrics);
        }

        public static TaskHistory empty() {
            return new TaskHistory(new TreeMap<>(), List.of(), 0, Map.of(), Map.of(), Map.of());
        }

        /**
         * The newest version that fits the task as configured (labels, backbone kind), or empty: the
         * champion. Versions that do not fit are logged and passed over.
         */
        public Optional<ModelArtifact> newestFitting(TaskConfig task) {
            for (ModelArtifact a : artifacts.values().stream()
                    .sorted(Comparator.comparingLong(
                                    (ModelArtifact x) -> x.meta().version())
                            .reversed())
                    .toList()) {
                try {
                    ArtifactChecks.checkFitsTask(a, task.name(), task.labels(), task.modality());
                    return Optional.of(a);
                } catch (ArtifactException e) {
                    log.warn(
                            "[{} v{}] passed over as champion: {}",
                            task.name(),
                            a.meta().version(),
                            e.getMessage());
                }
            }
            return Optional.empty();
        }

        /** The newest published artifact, fitting or not. */
        public Optional<ModelArtifact> newest() {
            return artifacts.isEmpty() ? Optional.empty() : Optional.of(artifacts.get(artifacts.lastKey()));
        }
    }

    private ModelHistory() {}

    /**
     * Reads both topics to their end; topics that do not exist yet read as empty.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when Kafka does not answer within {@code timeout}
     */
    public static Map<String, TaskHistory> read(KafkaClients clients, Set<String> tasks, Duration timeout) {
        Map<String, SortedMap<Long, ModelArtifact>> artifacts = new HashMap<>();
        Map<String, List<ModelEvent>> events = new HashMap<>();
        Map<String, Long> lastVersion = new HashMap<>();
        Map<String, Map<Integer, Long>> publishedEnd = new HashMap<>();
        Map<String, Map<Integer, Long>> attemptedEnd = new HashMap<>();
        Map<String, Map<Long, LiveMetrics>> live = new HashMap<>();
        for (String t : tasks) {
            live.put(t, new TreeMap<>());
            artifacts.put(t, new TreeMap<>());
            events.put(t, new ArrayList<>());
            publishedEnd.put(t, new TreeMap<>());
            attemptedEnd.put(t, new TreeMap<>());
        }
        for (ConsumerRecord<byte[], byte[]> r :
                TopicReader.readAll(clients, List.of(TaskTopics.MODELS, TaskTopics.MODEL_EVENTS), timeout)) {
            if (r.value() == null) {
                continue;
            }
            if (r.topic().equals(TaskTopics.MODELS)) {
                ModelArtifact a = parse(r.value(), r);
                if (a != null && tasks.contains(a.meta().task())) {
                    String task = a.meta().task();
                    artifacts.get(task).put(a.meta().version(), a);
                    lastVersion.merge(task, a.meta().version(), Math::max);
                    ends(a.meta().window(), task, publishedEnd.get(task));
                }
                continue;
            }
            if (RecordType.of(r.headers()) == RecordType.LIVE_METRICS) {
                LiveMetrics m = liveMetrics(r);
                if (m != null && tasks.contains(m.task())) {
                    live.get(m.task()).merge(m.modelVersion(), m, (a, b) -> b.ts() >= a.ts() ? b : a);
                }
                continue;
            }
            ModelEvent e = decision(r);
            if (e == null || e.task() == null || !tasks.contains(e.task())) {
                continue;
            }
            events.get(e.task()).add(e);
            ends(e.window(), e.task(), attemptedEnd.get(e.task()));
            if (e.decision() == ModelEvent.Decision.PUBLISHED) {
                lastVersion.merge(e.task(), e.version(), Math::max);
                ends(e.window(), e.task(), publishedEnd.get(e.task()));
                if (e.artifact() != null) {
                    ModelArtifact a = parse(e.artifact(), r);
                    if (a != null && a.meta().task().equals(e.task())) {
                        artifacts.get(e.task()).putIfAbsent(a.meta().version(), a);
                    }
                }
            }
        }
        Map<String, TaskHistory> out = new HashMap<>();
        for (String t : tasks) {
            Map<Integer, Long> attempted = new TreeMap<>(attemptedEnd.get(t));
            publishedEnd.get(t).forEach((p, end) -> attempted.merge(p, end, Math::max));
            events.get(t).sort(Comparator.comparingLong(ModelEvent::createdAtMillis));
            out.put(
                    t,
                    new TaskHistory(
                            artifacts.get(t),
                            events.get(t),
                            lastVersion.getOrDefault(t, 0L),
                            publishedEnd.get(t),
                            attempted,
                            live.get(t)));
        }
        return out;
    }

    /**
     * The newest readable artifact of {@code task} on {@code streamtune.models} (not the audit log), or
     * null: how a running trainer notices a version another writer published (an operator's rollback).
     */
    public static ModelArtifact latestPublished(KafkaClients clients, String task, Duration timeout) {
        ModelArtifact latest = null;
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(clients, List.of(TaskTopics.MODELS), timeout)) {
            if (r.value() == null || r.key() == null || !task.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                continue;
            }
            ModelArtifact a = parse(r.value(), r);
            if (a != null
                    && (latest == null || a.meta().version() > latest.meta().version())) {
                latest = a;
            }
        }
        return latest;
    }

    /**
     * A decision on the audit log, or null for a record that is not one: other record kinds (live metrics,
     * {@link RecordType}) are skipped silently, unreadable ones with a warning.
     */
    public static ModelEvent decision(ConsumerRecord<byte[], byte[]> r) {
        if (RecordType.of(r.headers()) != RecordType.MODEL_EVENT) {
            return null;
        }
        try {
            ModelEvent e = Json.read(r.value(), ModelEvent.class);
            return e.decision() == null ? null : e;
        } catch (IOException | RuntimeException ex) {
            log.warn(
                    "skipping an unreadable model event at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    ex.getMessage());
            return null;
        }
    }

    private static LiveMetrics liveMetrics(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.read(r.value(), LiveMetrics.class);
        } catch (IOException | RuntimeException ex) {
            log.debug(
                    "skipping an unreadable live-metrics record at {}@{}: {}", r.topic(), r.offset(), ex.getMessage());
            return null;
        }
    }

    private static ModelArtifact parse(byte[] bytes, ConsumerRecord<byte[], byte[]> r) {
        try {
            return ModelArtifact.parse(bytes);
        } catch (ArtifactException e) {
            log.warn(
                    "skipping an unreadable model artifact at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
            return null;
        }
    }

    private static void ends(List<WindowRange> window, String task, Map<Integer, Long> into) {
        String topic = TaskTopics.of(task).examples();
        for (WindowRange w : window) {
            if (topic.equals(w.topic())) {
                into.merge(w.partition(), w.toOffset(), Math::max);
            }
        }
    }
}
