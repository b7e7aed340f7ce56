package io.streamtune.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.publish.ModelRecords;
import io.streamtune.trainer.publish.TransactionalPublisher;

import static io.streamtune.trainer.TrainerFixture.await;
import static io.streamtune.trainer.TrainerFixture.config;
import static io.streamtune.trainer.TrainerFixture.events;
import static io.streamtune.trainer.TrainerFixture.examples;
import static io.streamtune.trainer.TrainerFixture.options;
import static io.streamtune.trainer.TrainerFixture.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Issue 9, fault 3: a restarted trainer gates against the newest valid version, wherever it sits in the log. */
class TrainerChampionIT {

    private static ModelArtifact artifact(String task, long version, BackboneRef backbone, double macroF1, long seed) {
        Random r = new Random(seed);
        float[] w = new float[384 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.1f;
        }
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task,
                version,
                version - 1,
                backbone.id(),
                backbone.baseSha256(),
                TrainerFixture.LABELS,
                new ModelMetrics(macroF1, macroF1, 20, Map.of()),
                List.of(),
                System.currentTimeMillis(),
                "published by the test");
        return ModelArtifact.of(
                meta,
                backbone,
                new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(384, 2, w, new float[2]))));
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
                0,
                0,
                0,
                m.encoderId(),
                m.createdAtMillis(),
                a.toBytes(),
                "head",
                "cpu",
                "retrainEvery");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldGateAgainstTheNewestValidVersionWhenAnOlderOneWasWrittenLast() throws Exception {
        String task = SharedKafka.uniqueName("champ");
        StreamtuneConfig config = config(task, 100, 400);
        BackboneRef backbone;
        try (Backbones.Lease lease = TrainerFixture.backbones().frozenText(Encoders.DEFAULT_ID, 64)) {
            backbone = lease.ref();
        }
        ModelArtifact v12 = artifact(task, 12, backbone, 0.705, 12);
        ModelArtifact v3 = artifact(task, 3, backbone, 0.672, 3);
        KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()));
        try (TransactionalPublisher p = new TransactionalPublisher(clients, SharedKafka.uniqueName("tx-champ"))) {
            p.init();
            p.commit(List.of(ModelRecords.model(v12), ModelRecords.event(published(v12))), Map.of(), null);
            // A genuine older version published again by hand, then garbage: both later in the log than v12.
            p.commit(
                    List.of(
                            ModelRecords.model(v3),
                            new ProducerRecord<>(
                                    TaskTopics.MODELS,
                                    ModelRecords.key(task),
                                    "garbage".getBytes(StandardCharsets.UTF_8))),
                    Map.of(),
                    null);
        }
        try (TrainerService trainer = new TrainerService(config, options())) {
            trainer.start();
            @SuppressWarnings("unchecked")
            Map<String, Object> state = (Map<String, Object>)
                    ((Map<String, Object>) trainer.health().get("tasks")).get(task);
            assertEquals(12L, state.get("gatedAgainst"), "the champion the gate scores is v12, not v3 written last");
            assertEquals(12L, state.get("championVersion"));

            produce(TaskTopics.of(task).examples(), examples(task, "a", 100, null, false));
            await(
                    "a decision after v12",
                    Duration.ofSeconds(90),
                    () -> events(task).stream().anyMatch(e -> e.version() == 13));
            ModelEvent decision = events(task).stream()
                    .filter(e -> e.version() == 13)
                    .findFirst()
                    .orElseThrow();
            assertEquals(12L, decision.parentVersion());
            assertNotNull(decision.champion(), "scored against a champion");
        }
    }
}
