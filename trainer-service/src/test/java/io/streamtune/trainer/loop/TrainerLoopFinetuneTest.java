package io.streamtune.trainer.loop;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.monitor.TrainerMetrics;
import io.streamtune.trainer.publish.TransactionalPublisher;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two speeds of the trainer loop, against {@link MockConsumer}/{@link MockProducer}, with learners that train
 * nothing: a fine-tuning challenger runs in the background while head challengers keep being published, is gated and
 * published by the loop as {@code finetune-lora}; a failing one leaves the head path going.
 */
@Timeout(30)
class TrainerLoopFinetuneTest {
    private static final String TASK = "reviews";
    private static final String TOPIC = TaskTopics.of(TASK).examples();
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final BackboneRef FROZEN = BackboneRef.text("enc", "sum", 64, null);
    private static final BackboneRef TUNED = BackboneRef.text(
            "enc",
            "sum",
            64,
            WeightsRef.inline(
                    WeightsRef.Format.LORA,
                    TensorPack.builder()
                            .attribute("mode", "lora")
                            .tensor("a", new int[] {1}, new float[] {1})
                            .build()
                            .encode()));
    private static final HeadWeights HEAD =
            new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(2, 2, new float[4], new float[2])));

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<ModelEvent> committed = new CopyOnWriteArrayList<>();
    private final TrainerMetrics metrics = new TrainerMetrics(new SimpleMeterRegistry());
    private long nextOffset;

    /** Head challengers with macro-F1 0.9, fine-tuned ones 0.95 (told apart by their backbone). */
    private final Learner heads = new Learner() {
        @Override
        public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) {
            return new Challenger(FROZEN, HEAD, "head", "cpu");
        }

        @Override
        public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout) {
            return new ModelMetrics(artifact.backbone().isTuned() ? 0.95 : 0.9, 0.9, holdout.size(), Map.of());
        }
    };

    private TrainerLoop loop(BackgroundFinetuner finetuner, Consumer<ModelEvent> beforeCommit) throws Exception {
        StreamtuneConfig config = StreamtuneConfig.parse("""
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                    window: {retrainEvery: 40, minNew: 1, maxWait: 1h, size: 200, holdoutPercent: 20}
                    finetune: {mode: lora, every: 1}
                """, Map.of(), Map.of());
        Node n = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, n, null, null)));
        consumer.updateBeginningOffsets(Map.of(new TopicPartition(TOPIC, 0), 0L));
        consumer.updateEndOffsets(Map.of(new TopicPartition(TOPIC, 0), 0L));
        TrainerLoop.Kafka kafka = new TrainerLoop.Kafka() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
                return consumer;
            }

            @Override
            public TransactionalPublisher publisher(String transactionalId) {
                return new TransactionalPublisher(producer, transactionalId);
            }

            @Override
            public Map<String, ModelHistory.TaskHistory> history(Set<String> tasks) {
                Map<String, ModelHistory.TaskHistory> h = new HashMap<>();
                tasks.forEach(t -> h.put(t, ModelHistory.TaskHistory.empty()));
                return h;
            }

            @Override
            public ModelArtifact latestPublished(String task) {
                return null;
            }
        };
        TrainerLoop.Settings settings =
                new TrainerLoop.Settings(Duration.ofMillis(10), Duration.ofHours(1), 1_000, 2, Clock.systemUTC(), e -> {
                    committed.add(e);
                    beforeCommit.accept(e);
                });
        return new TrainerLoop(
                kafka,
                settings,
                List.copyOf(config.tasks().values()),
                RecordParser.of(config),
                "tx-ft",
                new PromotionGate(heads, Clock.systemUTC()),
                metrics,
                finetuner,
                finetuner.store(),
                finetuner.gcMinAge());
    }

    private void examples(int n) {
        for (int i = 0; i < n; i++) {
            long offset = nextOffset++;
            String text = offset % 2 == 0 ? "great stay" : "awful stay";
            String label = LABELS.get((int) (1 - offset % 2));
            String json = Json.writeString(new Example("e-" + offset, TASK, text, null, label, 0, Map.of()));
            consumer.addRecord(new ConsumerRecord<>(
                    TOPIC,
                    0,
                    offset,
                    ("e-" + offset).getBytes(StandardCharsets.UTF_8),
                    json.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void shouldPublishHeadsWhileAFinetuneRunsThenGateAndPublishItAsFinetuneLora() throws Exception {
        CountDownLatch secondHeadCommitted = new CountDownLatch(1);
        List<Integer> trainedOn = new CopyOnWriteArrayList<>();
        BackgroundFinetuner finetuner = new BackgroundFinetuner(
                (task, champion, training, run) -> {
                    trainedOn.add(training.size());
                    return () -> {
                        // Holds the fine-tune until the loop has published another head: the slow path blocks nothing.
                        assertTrue(secondHeadCommitted.await(20, TimeUnit.SECONDS));
                        run.stepped(1, 1, 0.5);
                        return new Challenger(TUNED, HEAD, "finetune-lora", "cpu");
                    };
                },
                null,
                Duration.ofHours(1));
        AtomicReference<TrainerLoop> self = new AtomicReference<>();
        AtomicReference<Map<String, Object>> healthMeanwhile = new AtomicReference<>();
        AtomicReference<Double> gaugeMeanwhile = new AtomicReference<>();
        TrainerLoop loop = loop(finetuner, e -> {
            if (e.version() == 1) {
                examples(40); // the next head window arrives while the fine-tune runs
            } else if (e.version() == 2 && "head".equals(e.challengerKind())) {
                healthMeanwhile.set(self.get().tasks().get(TASK).describe());
                gaugeMeanwhile.set(runningGauge());
                secondHeadCommitted.countDown();
            }
        });
        self.set(loop);
        loop.bootstrap(() -> false);
        examples(60);
        try (finetuner) {
            loop.run(() -> committed.size() >= 3);
        } finally {
            loop.close();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> running =
                (Map<String, Object>) healthMeanwhile.get().get("finetune");
        assertEquals(true, running.get("running"), "health says a fine-tune runs: " + healthMeanwhile.get());
        assertEquals("lora", running.get("mode"));
        assertEquals(1.0, gaugeMeanwhile.get(), "the gauge says a fine-tune runs");
        assertEquals(0.0, runningGauge(), "and no more once it was gated");
        assertEquals(
                List.of("head", "head", "finetune-lora"),
                committed.stream().map(ModelEvent::challengerKind).toList());
        assertEquals(
                List.of(1L, 2L, 3L), committed.stream().map(ModelEvent::version).toList());
        ModelEvent tuned = committed.get(2);
        assertEquals(ModelEvent.Decision.PUBLISHED, tuned.decision());
        assertEquals(2L, tuned.parentVersion(), "gated against the champion of that moment");
        assertEquals(0.9, tuned.champion().macroF1(), "the head champion scored on the same holdout");
        assertTrue(tuned.trigger().startsWith("finetune"), tuned.trigger());
        assertEquals("cpu", tuned.device());
        assertEquals(TUNED, ModelArtifact.parse(tuned.artifact()).backbone());
        assertEquals(1, trainedOn.size(), "one fine-tune at a time");
        assertEquals(tuned.trainingExamples(), trainedOn.get(0), "the event counts the examples it trained on");
        assertEquals(committed.get(0).trainingExamples(), trainedOn.get(0), "the window of the head attempt before it");
    }

    private double runningGauge() {
        return metrics.registry()
                .find(TrainerMetrics.FINETUNE_RUNNING)
                .tag("task", TASK)
                .gauge()
                .value();
    }

    @Test
    void shouldKeepPublishingHeadsWhenAFinetuneFails() throws Exception {
        BackgroundFinetuner finetuner = new BackgroundFinetuner(
                (task, champion, training, run) -> () -> {
                    throw new IllegalStateException("out of memory, say");
                },
                null,
                Duration.ofHours(1));
        TrainerLoop loop = loop(finetuner, e -> {
            if (e.version() < 3) {
                examples(40);
            }
        });
        loop.bootstrap(() -> false);
        examples(60);
        try (finetuner) {
            // Until three heads are committed and the failure was noticed (whichever comes last).
            loop.run(() ->
                    committed.size() >= 3 && metrics.count(TrainerMetrics.VERSIONS, TASK, TrainerMetrics.FAILED) >= 1);
        } finally {
            loop.close();
        }
        assertTrue(committed.stream().allMatch(e -> "head".equals(e.challengerKind())), committed.toString());
        assertTrue(
                metrics.count(TrainerMetrics.VERSIONS, TASK, TrainerMetrics.FAILED) >= 1,
                "the failed fine-tune is counted");
        assertEquals(
                List.of(1L, 2L, 3L), committed.stream().map(ModelEvent::version).toList());
    }
}
