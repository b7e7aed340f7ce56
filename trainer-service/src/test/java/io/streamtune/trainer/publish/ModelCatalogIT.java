package io.streamtune.trainer.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rollback on the real broker: an older version comes back as a new, audited version; history stays monotonic. */
class ModelCatalogIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    @Timeout(120)
    void shouldRepublishAnOlderVersionAsTheNextOneWithAnAuditRecord() {
        ensureSharedTopics();
        String task = SharedKafka.uniqueName("rb");
        KafkaClients props = KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()));
        ModelArtifact v1 = artifact(task, 1, null, 0.5f, 0.90);
        ModelArtifact v2 = artifact(task, 2, 1L, -0.5f, 0.70);
        try (TransactionalPublisher p = new TransactionalPublisher(props, SharedKafka.uniqueName("tx"))) {
            p.init();
            for (ModelArtifact a : List.of(v1, v2)) {
                p.commit(List.of(ModelRecords.model(a), ModelRecords.event(published(a))), Map.of(), null);
            }
        }

        ModelArtifact v3 = awaitLatest(props, task, 2).rollback(props, 1);

        assertEquals(3, v3.meta().version());
        assertEquals(2L, v3.meta().parentVersion());
        assertEquals("rollback to v1", v3.meta().note());
        assertArrayEquals(
                v1.head().layers().get(0).weight(), v3.head().layers().get(0).weight(), "v3 serves v1's head");
        ModelCatalog after = awaitLatest(props, task, 3);
        assertEquals(3, after.latest().orElseThrow().meta().version());
        assertEquals(
                3,
                ModelHistory.latestPublished(props, task, TIMEOUT).meta().version(),
                "what a running trainer adopts");
        ModelEvent audit = after.events().get(after.events().size() - 1);
        assertEquals(ModelEvent.Decision.PUBLISHED, audit.decision());
        assertEquals(3, audit.version());
        assertTrue(audit.reason().contains("rollback to v1"), audit.reason());
        assertEquals(
                List.of(1L, 2L, 3L),
                after.events().stream().map(ModelEvent::version).toList(),
                "versions only go up");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> after.rollback(props, 9));
        assertTrue(e.getMessage().contains("no published version 9"), e.getMessage());
    }

    /**
     * The catalog once it shows {@code version} as the latest: the transaction coordinator writes commit markers
     * after the commit returns, so a read_committed read straight after it may not see the last transaction yet.
     */
    private static ModelCatalog awaitLatest(KafkaClients props, String task, long version) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            ModelCatalog c = ModelCatalog.read(props, task, TIMEOUT);
            if (c.latest().map(a -> a.meta().version() >= version).orElse(false) || System.nanoTime() > deadline) {
                return c;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return c;
            }
        }
    }

    private static void ensureSharedTopics() {
        try (var admin = SharedKafka.admin()) {
            io.streamtune.common.topic.TopicAdmin.ensure(
                    admin,
                    io.streamtune.common.topic.TopicLayout.shared(
                            (short) 1, io.streamtune.common.config.Limits.modelWriteBytes()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelArtifact artifact(String task, long version, Long parent, float w, double f1) {
        float[] weight = new float[4 * 2];
        java.util.Arrays.fill(weight, w);
        HeadWeights head = new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(4, 2, weight, new float[2])));
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task,
                version,
                parent,
                "all-minilm-l6-v2",
                "abc123",
                List.of("neg", "pos"),
                new ModelMetrics(f1, f1, 10, Map.of("neg", f1, "pos", f1)),
                List.of(new WindowRange(TaskTopics.of(task).examples(), 0, version * 10, version * 10 + 9, 10)),
                System.currentTimeMillis() + version,
                null);
        return ModelArtifact.of(meta, head);
    }

    private static ModelEvent published(ModelArtifact a) {
        ModelVersion m = a.meta();
        return new ModelEvent(
                m.task(),
                m.version(),
                m.parentVersion(),
                ModelEvent.Decision.PUBLISHED,
                m.metrics(),
                null,
                "test",
                m.window(),
                10,
                10,
                1,
                m.encoderId(),
                m.createdAtMillis(),
                a.toBytes(),
                "head",
                "cpu",
                "retrainEvery");
    }
}
