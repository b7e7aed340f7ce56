package io.streamtune.trainer.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.TopicReader;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.topic.TaskTopics;

/**
 * Garbage collection of the artifact store: a blob is kept while a retained version references it, and deleted
 * once no retained version does and it is older than {@code artifacts.gcMinAge}.
 *
 * <p><b>Retained</b> means readable from Kafka: every artifact on {@code streamtune.models} (compacted: a version
 * stays until it is deleted there) and every published artifact on the audit log {@code streamtune.model-events}
 * (kept by time retention; a rollback re-publishes from there), of every task, not only the trainer's own: trainers
 * of other task sets may share the directory. A record that cannot be parsed is searched for {@code blob:} URIs
 * instead, so an unreadable version never loses its blob to the collector. The minimum age protects a blob written
 * for a version whose transaction has not committed yet.
 *
 * <pre>{@code
 * int deleted = ArtifactCollector.collect(store, ArtifactCollector.referenced(clients, timeout), Duration.ofHours(1));
 * }</pre>
 */
public final class ArtifactCollector {
    private static final Pattern BLOB_URI = Pattern.compile("blob:[0-9a-f]{64}");

    private ArtifactCollector() {}

    /**
     * The URIs every retained version references, read from both model topics to their end.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when Kafka does not answer within {@code timeout}
     */
    public static Set<String> referenced(KafkaClients clients, Duration timeout) {
        Set<String> uris = new TreeSet<>();
        List<ConsumerRecord<byte[], byte[]>> records =
                TopicReader.readAll(clients, List.of(TaskTopics.MODELS, TaskTopics.MODEL_EVENTS), timeout);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            if (r.topic().equals(TaskTopics.MODELS)) {
                addFrom(r.value(), uris);
            } else {
                ModelEvent e = ModelHistory.decision(r);
                if (e != null && e.artifact() != null) {
                    addFrom(e.artifact(), uris);
                }
            }
        }
        return uris;
    }

    /** The stored-weights URIs of some artifacts (inline weights and frozen backbones reference none). */
    public static Set<String> referenced(Collection<ModelArtifact> artifacts) {
        Set<String> uris = new TreeSet<>();
        for (ModelArtifact a : artifacts) {
            add(a, uris);
        }
        return uris;
    }

    /**
     * Deletes the blobs of {@code store} that no URI in {@code referenced} names and that are older than
     * {@code minAge}.
     *
     * @return the number deleted
     * @throws IOException when the store cannot be listed
     */
    public static int collect(ArtifactStore store, Set<String> referenced, Duration minAge) throws IOException {
        return store.deleteUnreferenced(referenced, minAge);
    }

    private static void addFrom(byte[] artifactBytes, Set<String> uris) {
        try {
            add(ModelArtifact.parse(artifactBytes), uris);
        } catch (ArtifactException | RuntimeException e) {
            Matcher m = BLOB_URI.matcher(new String(artifactBytes, StandardCharsets.UTF_8));
            while (m.find()) {
                uris.add(m.group());
            }
        }
    }

    private static void add(ModelArtifact a, Set<String> uris) {
        WeightsRef w = a.backbone() == null ? null : a.backbone().weights();
        if (w != null && !w.isInline()) {
            uris.add(w.uri());
        }
    }
}
