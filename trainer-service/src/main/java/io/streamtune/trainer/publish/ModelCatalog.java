package io.streamtune.trainer.publish;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicReader;

/**
 * A task's model history as operators see it: every decision on the audit log (published and
 * rejected, with metrics), and the artifacts of published versions, from which a rollback
 * re-publishes an older version as a new one.
 *
 * <pre>{@code
 * ModelCatalog c = ModelCatalog.read(props, "reviews", Duration.ofSeconds(30));
 * ModelArtifact v2 = c.artifact(2).orElseThrow();
 * ModelArtifact v5 = c.rollback(props, 2);   // v5 carries v2's head, parent v4, note "rollback to v2"
 * }</pre>
 */
public final class ModelCatalog {
    private final String task;
    private final List<ModelEvent> events;
    private final Map<Long, ModelArtifact> artifacts;

    private ModelCatalog(String task, List<ModelEvent> events, Map<Long, ModelArtifact> artifacts) {
        this.task = task;
        this.events = events;
        this.artifacts = artifacts;
    }

    public static ModelCatalog read(Properties base, String task, Duration timeout) {
        List<ModelEvent> events = new ArrayList<>();
        Map<Long, ModelArtifact> artifacts = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(base, List.of(TaskTopics.MODELS, TaskTopics.MODEL_EVENTS), timeout)) {
            if (r.value() == null) {
                continue;
            }
            try {
                if (r.topic().equals(TaskTopics.MODELS)) {
                    ModelArtifact a = ModelArtifact.parse(r.value());
                    if (a.meta().task().equals(task)) {
                        artifacts.put(a.meta().version(), a);
                    }
                } else if (RecordType.of(r.headers()) == RecordType.MODEL_EVENT) { // live metrics etc. are not decisions
                    ModelEvent e = Json.read(r.value(), ModelEvent.class);
                    if (task.equals(e.task()) && e.decision() != null) {
                        events.add(e);
                        if (e.artifact() != null) {
                            artifacts.putIfAbsent(e.version(), ModelArtifact.parse(e.artifact()));
                        }
                    }
                }
            } catch (ArtifactException | IOException | RuntimeException e) {
                // An unreadable record is not a version anyone can serve; the listing skips it.
            }
        }
        events.sort(Comparator.comparingLong(ModelEvent::createdAtMillis));
        return new ModelCatalog(task, List.copyOf(events), artifacts);
    }

    /** Every decision in time order: published versions and rejected challengers. */
    public List<ModelEvent> events() {
        return events;
    }

    public Optional<ModelArtifact> artifact(long version) {
        return Optional.ofNullable(artifacts.get(version));
    }

    /** The newest published version, or empty. */
    public Optional<ModelArtifact> latest() {
        return artifacts.values().stream().max(Comparator.comparingLong(a -> a.meta().version()));
    }

    /**
     * Publishes version {@code to}'s artifact as a new version (newest + 1, parent = newest), in one
     * transaction with its audit event, so history stays monotonic and the rollback is on record.
     *
     * @throws IllegalArgumentException when {@code to} was never published or its artifact is gone
     */
    public ModelArtifact rollback(Properties base, long to) {
        ModelArtifact source = artifact(to).orElseThrow(() -> new IllegalArgumentException("task " + task + " has no published version "
                + to + " with its artifact on " + TaskTopics.MODELS + " or " + TaskTopics.MODEL_EVENTS
                + " (published: " + artifacts.keySet() + ")"));
        ModelVersion newest = latest().orElseThrow().meta();
        ModelVersion m = source.meta();
        ModelVersion meta = new ModelVersion(m.formatVersion(), task, newest.version() + 1, newest.version(), m.encoderId(),
                m.encoderChecksum(), m.labels(), m.metrics(), List.of(), System.currentTimeMillis(), "rollback to v" + to);
        ModelArtifact rolled = source.withMeta(meta);
        ModelEvent event = new ModelEvent(task, meta.version(), meta.parentVersion(), ModelEvent.Decision.PUBLISHED, m.metrics(),
                newest.metrics(), "operator rollback to v" + to + " (replaces v" + newest.version() + ")", List.of(), 0, 0, 0,
                m.encoderId(), meta.createdAtMillis(), rolled.toBytes());
        try (TransactionalPublisher publisher = new TransactionalPublisher(base, "streamtune-rollback-" + task)) {
            publisher.init();
            publisher.commit(List.of(ModelRecords.model(rolled), ModelRecords.event(event)), Map.of(), null);
        }
        return rolled;
    }
}
