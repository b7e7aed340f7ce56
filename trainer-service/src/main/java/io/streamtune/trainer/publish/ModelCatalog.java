package io.streamtune.trainer.publish;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.topic.TaskTopics;

/**
 * A task's model history as operators see it: every decision on the audit log (published and
 * rejected, with metrics), and the artifacts of published versions, from which a rollback
 * re-publishes an older version as a new one.
 *
 * <pre>{@code
 * ModelCatalog c = ModelCatalog.read(clients, "reviews", Duration.ofSeconds(30));
 * ModelArtifact v2 = c.artifact(2).orElseThrow();
 * ModelArtifact v5 = c.rollback(clients, 2);   // v5 carries v2's backbone and head, parent v4, note "rollback to v2"
 * }</pre>
 */
public final class ModelCatalog {
    private final String task;
    private final List<ModelEvent> events;
    private final Map<Long, ModelArtifact> artifacts;
    private final Map<Long, LiveMetrics> live;

    private ModelCatalog(
            String task, List<ModelEvent> events, Map<Long, ModelArtifact> artifacts, Map<Long, LiveMetrics> live) {
        this.task = task;
        this.events = events;
        this.artifacts = artifacts;
        this.live = live;
    }

    /**
     * Reads the task's history (both model topics, to their end).
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when Kafka does not answer within {@code timeout}
     */
    public static ModelCatalog read(KafkaClients clients, String task, Duration timeout) {
        ModelHistory.TaskHistory h =
                ModelHistory.read(clients, Set.of(task), timeout).get(task);
        return new ModelCatalog(task, h.events(), h.artifacts(), h.liveMetrics());
    }

    /** Every decision in time order: published versions and rejected challengers. */
    public List<ModelEvent> events() {
        return events;
    }

    /** The newest live metrics (accuracy from late labels, by the monitor) of a version, if any. */
    public Optional<LiveMetrics> liveMetrics(long version) {
        return Optional.ofNullable(live.get(version));
    }

    public Optional<ModelArtifact> artifact(long version) {
        return Optional.ofNullable(artifacts.get(version));
    }

    /** The newest published version, or empty. */
    public Optional<ModelArtifact> latest() {
        return artifacts.values().stream()
                .max(Comparator.comparingLong(a -> a.meta().version()));
    }

    /**
     * Publishes version {@code to}'s artifact as a new version (newest + 1, parent = newest), in one
     * transaction with its audit event, so history stays monotonic and the rollback is on record.
     *
     * @throws IllegalArgumentException when {@code to} was never published or its artifact is gone
     */
    public ModelArtifact rollback(KafkaClients clients, long to) {
        ModelArtifact source = artifact(to)
                .orElseThrow(() -> new IllegalArgumentException("task " + task + " has no published version "
                        + to + " with its artifact on " + TaskTopics.MODELS + " or " + TaskTopics.MODEL_EVENTS
                        + " (published: " + artifacts.keySet() + ")"));
        ModelVersion newest = latest().orElseThrow().meta();
        ModelVersion m = source.meta();
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task,
                newest.version() + 1,
                newest.version(),
                m.encoderId(),
                m.encoderChecksum(),
                m.labels(),
                m.metrics(),
                List.of(),
                System.currentTimeMillis(),
                "rollback to v" + to);
        ModelArtifact rolled = source.withMeta(meta);
        ModelEvent event = new ModelEvent(
                task,
                meta.version(),
                meta.parentVersion(),
                ModelEvent.Decision.PUBLISHED,
                m.metrics(),
                newest.metrics(),
                "operator rollback to v" + to + " (replaces v" + newest.version() + ")",
                List.of(),
                0,
                0,
                0,
                m.encoderId(),
                meta.createdAtMillis(),
                rolled.toBytes(),
                "rollback",
                null,
                "operator");
        try (TransactionalPublisher publisher = new TransactionalPublisher(clients, "streamtune-rollback-" + task)) {
            publisher.init();
            publisher.commit(List.of(ModelRecords.model(rolled), ModelRecords.event(event)), Map.of(), null);
        }
        return rolled;
    }
}
