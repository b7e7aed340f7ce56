package io.streamtune.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.window.Holdout;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared by the trainer's broker tests: a unique task per test, learnable synthetic reviews,
 * one real default encoder per JVM, and read_committed readers of the model topics.
 */
final class TrainerFixture {
    static final List<String> LABELS = List.of("negative", "positive");
    private static final String[] GOOD = {
        "wonderful", "excellent", "great", "lovely", "fantastic", "delightful", "superb", "brilliant"
    };
    private static final String[] BAD = {
        "terrible", "awful", "horrible", "dreadful", "disgusting", "miserable", "appalling", "dismal"
    };
    private static final String[] THINGS = {
        "room", "staff", "breakfast", "service", "view", "bed", "movie", "food", "trip", "phone"
    };
    private static final String[] POS_FRAMES = {
        "The %s was %s.",
        "I really loved the %s, %s!",
        "What a %2$s %1$s, would come back.",
        "Honestly the %s felt %s and I am happy."
    };
    private static final String[] NEG_FRAMES = {
        "The %s was %s.",
        "I hated the %s, simply %s.",
        "What a %2$s %1$s, never again.",
        "Honestly the %s felt %s and I want a refund."
    };

    private static Backbones shared;

    private TrainerFixture() {}

    /** Backbones opened once per test JVM (the default encoder takes seconds); services leave them open. */
    static synchronized Backbones backbones() {
        if (shared == null) {
            shared = Backbones.opening(0, null);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    static TrainerOptions options() {
        return TrainerOptions.defaults().withMetricsPort(-1).withBackbones(backbones());
    }

    static StreamtuneConfig config(String task, int retrainEvery, int size) throws Exception {
        StreamtuneConfig config = config(SharedKafka.bootstrapServers(), task, retrainEvery, size);
        try (var admin = SharedKafka.admin()) {
            TopicAdmin.ensure(admin, config.topicLayout());
        }
        return config;
    }

    /** The test task's configuration against {@code bootstrap}; creates no topics. */
    static StreamtuneConfig config(String bootstrap, String task, int retrainEvery, int size) throws Exception {
        String yaml = """
                kafka:
                  bootstrap.servers: "%s"
                topics:
                  partitions: 2
                tasks:
                  - name: %s
                    labels: [negative, positive]
                    maxSequenceLength: 64
                    window: {retrainEvery: %d, minNew: 10, maxWait: 10m, size: %d, holdoutPercent: 20}
                    gate: {tolerance: 0.02, floor: 0.5}
                    head: {maxEpochs: 30, patience: 5, learningRate: 0.01, device: cpu}
                trainer:
                  pollTimeout: 100ms
                  commitInterval: 200ms
                  minHoldout: 8
                  metricsPort: -1
                """.formatted(bootstrap, task, retrainEvery, size);
        return StreamtuneConfig.parse(yaml, Map.of(), Map.of());
    }

    /** Example {@code i}: a positive or negative review (by parity), its id on the requested side of the holdout. */
    static Example example(String task, String prefix, int i, Boolean holdout, boolean flipLabel) {
        Random r = new Random(prefix.hashCode() * 31L + i);
        boolean positive = i % 2 == 0;
        String thing = THINGS[r.nextInt(THINGS.length)];
        String text = positive
                ? String.format(POS_FRAMES[r.nextInt(POS_FRAMES.length)], thing, GOOD[r.nextInt(GOOD.length)])
                : String.format(NEG_FRAMES[r.nextInt(NEG_FRAMES.length)], thing, BAD[r.nextInt(BAD.length)]);
        String label = positive != flipLabel ? "positive" : "negative";
        String id = prefix + "-" + i;
        for (int k = 0; holdout != null && Holdout.contains(id, 20) != holdout; k++) {
            id = prefix + "-" + i + "-" + k;
        }
        return new Example(id, task, text, null, label, 0, Map.of());
    }

    static List<Example> examples(String task, String prefix, int n, Boolean holdout, boolean flip) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(example(task, prefix, i, holdout, flip));
        }
        return out;
    }

    static List<RecordMetadata> produce(String topic, List<Example> examples) {
        List<byte[]> values = examples.stream().map(Json::write).toList();
        List<byte[]> keys = examples.stream()
                .map(e -> e.id().getBytes(StandardCharsets.UTF_8))
                .toList();
        return produceRaw(topic, keys, values);
    }

    static List<RecordMetadata> produceRaw(String topic, List<byte[]> keys, List<byte[]> values) {
        Properties p = SharedKafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        List<RecordMetadata> out = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                fs.add(producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i))));
            }
            for (var f : fs) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
        return out;
    }

    /** Every committed record of a topic, from the beginning to its current end. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = SharedKafka.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Instant deadline = Instant.now().plusSeconds(20);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
                    && Instant.now().isBefore(deadline)) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    static List<ModelArtifact> models(String task) {
        List<ModelArtifact> out = new ArrayList<>();
        for (var r : readAll(TaskTopics.MODELS)) {
            if (task.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                try {
                    out.add(ModelArtifact.parse(r.value()));
                } catch (Exception e) {
                    fail("unreadable model record of " + task + ": " + e);
                }
            }
        }
        return out;
    }

    static List<ModelEvent> events(String task) {
        List<ModelEvent> out = new ArrayList<>();
        for (var r : readAll(TaskTopics.MODEL_EVENTS)) {
            if (task.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                try {
                    out.add(Json.read(r.value(), ModelEvent.class));
                } catch (Exception e) {
                    fail("unreadable model event of " + task + ": " + e);
                }
            }
        }
        return out;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }
}
