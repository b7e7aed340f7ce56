package io.streamtune.trainer.loop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.hash.Sha256;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.DirectoryArtifactStore;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.monitor.TrainerMetrics;
import io.streamtune.trainer.publish.TransactionalPublisher;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Learner;
import io.streamtune.trainer.window.Holdout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer loop alone, against {@link MockConsumer} and {@link MockProducer} and a learner that
 * trains nothing: routing, the retrain trigger, and what one transaction carries.
 */
@Timeout(30)
class TrainerLoopTest {
    private static final String TASK = "reviews";
    private static final String TOPIC = TaskTopics.of(TASK).examples();
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final BackboneRef BACKBONE = BackboneRef.text("enc", "sum", 64, null);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<List<Example>> trainedOn = new ArrayList<>();

    /** Admits every challenger with macro-F1 0.9 and records what it trained on. */
    private final Learner learner = new Learner() {
        @Override
        public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) {
            trainedOn.add(List.copyOf(training));
            HeadWeights head =
                    new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(2, 2, new float[4], new float[2])));
            return new Challenger(BACKBONE, head, "head", "cpu");
        }

        @Override
        public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout) {
            return new ModelMetrics(0.9, 0.9, holdout.size(), Map.of());
        }
    };

    private TrainerLoop loop(StreamtuneConfig config) {
        return loop(config, ModelHistory.TaskHistory.empty());
    }

    private TrainerLoop loop(StreamtuneConfig config, ModelHistory.TaskHistory past) {
        return loop(config, past, learner, null, null);
    }

    /**
     * A loop on the mock consumer and producer.
     *
     * @param store the artifact store the loop collects (with a minimum age of zero), or null
     * @param referenced what the model topics reference, as {@link TrainerLoop.Kafka#referencedWeights} answers
     */
    private TrainerLoop loop(
            StreamtuneConfig config,
            ModelHistory.TaskHistory past,
            Learner learner,
            ArtifactStore store,
            Set<String> referenced) {
        TrainerLoop.Kafka kafka = new TrainerLoop.Kafka() {
            @Override
            public Consumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
                return consumer;
            }

            @Override
            public TransactionalPublisher publisher(String transactionalId) {
                return new TransactionalPublisher(producer, transactionalId);
            }

            @Override
            public Map<String, ModelHistory.TaskHistory> history(Set<String> tasks) {
                Map<String, ModelHistory.TaskHistory> h = new HashMap<>();
                tasks.forEach(t -> h.put(t, past));
                return h;
            }

            @Override
            public ModelArtifact latestPublished(String task) {
                return null;
            }

            @Override
            public Set<String> referencedWeights() {
                return referenced;
            }
        };
        TrainerLoop.Settings settings = new TrainerLoop.Settings(
                Duration.ofMillis(10), Duration.ofHours(1), 1_000, 2, Clock.systemUTC(), e -> {});
        return new TrainerLoop(
                kafka,
                settings,
                List.copyOf(config.tasks().values()),
                RecordParser.of(config),
                "tx-test",
                new PromotionGate(learner, Clock.systemUTC()),
                new TrainerMetrics(new SimpleMeterRegistry()),
                null,
                store,
                Duration.ZERO);
    }

    private static StreamtuneConfig config() throws Exception {
        return StreamtuneConfig.parse("""
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                    window: {retrainEvery: 40, minNew: 1, maxWait: 1h, size: 100, holdoutPercent: 20}
                """, Map.of(), Map.of());
    }

    private void topicOfTwoPartitions() {
        Node n = new Node(0, "localhost", 9092);
        consumer.updatePartitions(
                TOPIC, List.of(new PartitionInfo(TOPIC, 0, n, null, null), new PartitionInfo(TOPIC, 1, n, null, null)));
        Map<TopicPartition, Long> zero = Map.of(new TopicPartition(TOPIC, 0), 0L, new TopicPartition(TOPIC, 1), 0L);
        consumer.updateBeginningOffsets(zero);
        consumer.updateEndOffsets(zero);
    }

    private static ConsumerRecord<byte[], byte[]> example(int partition, long offset, int i) {
        String json = Json.writeString(new Example(
                "e-" + i, TASK, i % 2 == 0 ? "great stay" : "awful stay", null, LABELS.get(1 - i % 2), 0, Map.of()));
        return new ConsumerRecord<>(
                TOPIC,
                partition,
                offset,
                ("e-" + i).getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldCollectTheArtifactStoreAfterAChallengerWhoseWeightsWentToIt(@TempDir Path dir) throws Exception {
        // A head-path learner (here: a large CNN pack) that puts its challenger's weights in the store, as CnnLearner
        // does over artifacts.inlineMaxBytes: no fine-tuner is involved.
        ArtifactStore store = new DirectoryArtifactStore(dir);
        byte[] pack = "the challenger's weights".getBytes(StandardCharsets.UTF_8);
        String uri = store.put(pack);
        Learner storing = new Learner() {
            @Override
            public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) {
                HeadWeights head = new HeadWeights(
                        HeadKind.LINEAR, List.of(new HeadWeights.Layer(2, 2, new float[4], new float[2])));
                WeightsRef stored = WeightsRef.stored(WeightsRef.Format.CNN, Sha256.hex(pack), pack.length, uri);
                return new Challenger(
                        new BackboneRef(BackboneKind.IMAGE_CNN, "resnet-v1-8", "", 0, stored), head, "cnn", "cpu");
            }

            @Override
            public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout) {
                return new ModelMetrics(0.9, 0.9, holdout.size(), Map.of());
            }
        };
        topicOfTwoPartitions();
        TrainerLoop loop = loop(config(), ModelHistory.TaskHistory.empty(), storing, store, Set.of(uri));
        loop.bootstrap(() -> false);
        // Left by an earlier challenger after the start-up collection: only a collection after this window's removes
        // it.
        String orphan = store.put("a rejected challenger's weights".getBytes(StandardCharsets.UTF_8));
        long[] next = {0, 0};
        for (int i = 0; i < 60; i++) {
            consumer.addRecord(example(i % 2, next[i % 2]++, i));
        }

        loop.run(producer::transactionCommitted);
        loop.close();

        assertEquals(1, producer.commitCount(), "the stored challenger was published");
        assertArrayEquals(pack, store.get(uri, Sha256.hex(pack)), "the published version's weights are kept");
        ArtifactException gone = assertThrows(
                ArtifactException.class,
                () -> store.get(orphan, Sha256.hex("a rejected challenger's weights")),
                "the unreferenced blob was collected after the challenger");
        assertEquals(ArtifactException.Reason.MISSING_WEIGHTS, gone.reason());
    }

    @Test
    void shouldCommitTheVersionItsAuditEventTheDeadLettersAndThePositionsInOneTransaction() throws Exception {
        topicOfTwoPartitions();
        TrainerLoop loop = loop(config());
        loop.bootstrap(() -> false);
        long[] next = {0, 0};
        for (int i = 0; i < 60; i++) {
            int p = i % 2;
            consumer.addRecord(example(p, next[p]++, i));
        }
        consumer.addRecord(new ConsumerRecord<>(
                TOPIC, 0, next[0]++, null, "{\"id\":\"bad\",\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        consumer.addRecord(
                new ConsumerRecord<>(TOPIC, 1, next[1]++, null, "not json".getBytes(StandardCharsets.UTF_8)));

        loop.run(producer::transactionCommitted);
        loop.close();

        assertEquals(1, producer.commitCount(), "one transaction");
        assertEquals(1, trainedOn.size(), "one challenger trained once the trigger fired");
        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        List<ProducerRecord<byte[], byte[]>> models =
                sent.stream().filter(r -> r.topic().equals(TaskTopics.MODELS)).toList();
        assertEquals(1, models.size());
        ModelArtifact v1 = ModelArtifact.parse(models.get(0).value());
        assertEquals(1, v1.meta().version());
        assertEquals(BACKBONE, v1.backbone());
        ModelEvent event = Json.read(
                sent.stream()
                        .filter(r -> r.topic().equals(TaskTopics.MODEL_EVENTS))
                        .findFirst()
                        .orElseThrow()
                        .value(),
                ModelEvent.class);
        assertEquals(ModelEvent.Decision.PUBLISHED, event.decision());
        assertEquals(
                60, event.window().stream().mapToLong(r -> r.count()).sum(), "every valid example is covered once");
        List<ProducerRecord<byte[], byte[]>> dlq = sent.stream()
                .filter(r -> r.topic().equals(TaskTopics.of(TASK).dlq()))
                .toList();
        assertEquals(
                List.of(Reason.MALFORMED_JSON.name(), Reason.MISSING_LABEL.name()),
                dlq.stream()
                        .map(r -> DeadLetter.header(r.headers(), DeadLetter.REASON))
                        .sorted()
                        .toList(),
                "both bad records are dead-lettered in the same transaction");
        Map<TopicPartition, OffsetAndMetadata> offsets =
                producer.consumerGroupOffsetsHistory().get(0).get("dummy.group.id");
        assertEquals(next[0], offsets.get(new TopicPartition(TOPIC, 0)).offset());
        assertEquals(next[1], offsets.get(new TopicPartition(TOPIC, 1)).offset());
        assertTrue(trainedOn.get(0).stream().noneMatch(e -> e.id().equals("bad")));
    }

    @Test
    void shouldNotTrainAfterARestartUntilTheWindowIsRefilled() throws Exception {
        // Before the restart v1 covered offsets 0..29 of both partitions; 40 examples arrived on partition 1 since.
        Node n = new Node(0, "localhost", 9092);
        consumer.updatePartitions(
                TOPIC, List.of(new PartitionInfo(TOPIC, 0, n, null, null), new PartitionInfo(TOPIC, 1, n, null, null)));
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        consumer.updateEndOffsets(Map.of(p0, 30L, p1, 70L));
        ModelHistory.TaskHistory past = new ModelHistory.TaskHistory(
                new java.util.TreeMap<>(), List.of(), 1, Map.of(0, 29L, 1, 29L), Map.of(0, 29L, 1, 29L), Map.of());
        TrainerLoop loop = loop(config(), past);
        loop.bootstrap(() -> false);
        for (int i = 0; i < 70; i++) {
            consumer.addRecord(example(1, i, 1000 + i));
        }
        // Partition 0's re-read arrives only after the first poll: the trigger (40 new) fires before it.
        consumer.schedulePollTask(() -> {});
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < 30; i++) {
                consumer.addRecord(example(0, i, i));
            }
        });

        loop.run(producer::transactionCommitted);
        loop.close();

        assertEquals(1, trainedOn.size());
        long outsideHoldout = java.util.stream.IntStream.concat(
                        java.util.stream.IntStream.range(0, 30), java.util.stream.IntStream.range(1000, 1070))
                .filter(i -> !Holdout.contains("e-" + i, 20))
                .count();
        assertEquals(outsideHoldout, trainedOn.get(0).size(), "trained on the refilled window of both partitions");
        assertTrue(
                trainedOn.get(0).stream().anyMatch(e -> e.id().equals("e-0")),
                "partition 0's examples are in the window");
        ModelEvent event = Json.read(
                producer.history().stream()
                        .filter(r -> r.topic().equals(TaskTopics.MODEL_EVENTS))
                        .findFirst()
                        .orElseThrow()
                        .value(),
                ModelEvent.class);
        assertEquals(
                List.of(new io.streamtune.common.model.WindowRange(TOPIC, 1, 30, 69, 40)),
                event.window(),
                "covers only what v1 did not");
    }
}
