package io.streamtune.scoring;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.SequentialBlock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;
import io.streamtune.common.image.GeneratedShapes;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.CnnArchitecture;
import io.streamtune.common.model.CnnWeights;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.testing.TestModels;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images whose header is valid but whose data is not (cut short, damaged) pass the stream thread's check and fail
 * the encoder worker's decode, the one decode of each image: a real scorer on a real broker dead-letters exactly
 * those, from the worker, and scores the good images of the same batches once each.
 */
class ScoringImageDeadLetterIT {
    private static final int SIZE = 16;

    @TempDir
    Path tmp;

    private static StreamtuneConfig config(String task, Path stateDir) throws Exception {
        return StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 1}
                tasks:
                  - name: %s
                    modality: image
                    labels: [dark, light]
                    image: {size: %d, channels: 1}
                    cnn: {layers: 8}
                """.formatted(SharedKafka.bootstrapServers(), stateDir, task, SIZE), Map.of(), Map.of());
    }

    /** An untrained ResNetV1-8 for the task's input (DJL's initialiser) under a linear head: v1 of the task. */
    private static ModelArtifact cnnVersion(TaskConfig task) {
        CnnArchitecture arch = new CnnArchitecture(8, task.image().spec());
        byte[] pack;
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            SequentialBlock block = arch.backbone();
            block.initialize(m, DataType.FLOAT32, arch.inputShape(1));
            pack = CnnWeights.toPack(block, arch).encode();
        }
        BackboneRef backbone = new BackboneRef(
                BackboneKind.IMAGE_CNN, "resnet-v1-8", "", 0, WeightsRef.inline(WeightsRef.Format.CNN, pack));
        int dim = arch.featureDimension();
        float[] w = new float[dim * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task.name(),
                1,
                null,
                backbone.id(),
                "",
                task.labels(),
                null,
                List.of(),
                System.currentTimeMillis(),
                "untrained CNN");
        HeadWeights head = new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(dim, 2, w, new float[2])));
        return ModelArtifact.of(meta, backbone, head);
    }

    /** A grey PNG of noise, 20 x 20 (resized to the task's 16 x 16 by the backbone). */
    private static byte[] png(Random r) {
        BufferedImage im = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                im.getRaster().setSample(x, y, 0, r.nextInt(256));
            }
        }
        return GeneratedShapes.png(im);
    }

    /** The PNG with its image data's zlib header overwritten: a valid IHDR in front of a stream no one can inflate. */
    private static byte[] damaged(byte[] png) {
        byte[] b = png.clone();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int idat = text.indexOf("IDAT");
        b[idat + 4] = (byte) 0xff;
        b[idat + 5] = (byte) 0xff;
        return b;
    }

    private static byte[] event(String id, byte[] picture) {
        return ("{\"id\":\"" + id + "\",\"image\":\"" + Base64.getEncoder().encodeToString(picture) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static ScoringSettings settings(String appId) {
        // Batches of 16 under a 200 ms wait: the bad images share their batches with good ones.
        return new ScoringSettings(
                appId, 16, Duration.ofMillis(200), 10_000, Duration.ofMillis(100), 1, 2, -1, true, Map.of(), "");
    }

    /** Committed records of a topic until {@code n} have come or the time is up, and a second more for duplicates. */
    private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int n, Duration timeout) {
        return SharedKafka.readCommitted(topic, n, timeout, Duration.ofSeconds(1));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldDeadLetterHeaderValidButUndecodableImagesFromTheWorkerAndScoreTheGoodOnesOnce() throws Exception {
        String task = SharedKafka.uniqueName("pics");
        StreamtuneConfig cfg = config(task, tmp.resolve("state"));
        TaskTopics topics = TaskTopics.of(task);
        Random r = new Random(17);
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            values.put("good-" + i, event("good-" + i, png(r)));
            if (i == 6) {
                byte[] whole = png(r);
                byte[] cut = Arrays.copyOf(whole, whole.length / 2);
                values.put("truncated", event("truncated", cut));
                assertBadBehindAValidHeader(cut);
            }
            if (i == 13) {
                byte[] bad = damaged(png(r));
                values.put("damaged", event("damaged", bad));
                assertBadBehindAValidHeader(bad);
            }
        }
        Set<String> bad = Set.of("truncated", "damaged");
        try (ScoringService service = new ScoringService(
                        cfg, settings(SharedKafka.uniqueName("scoring-img")), TestModels.backbones());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", SharedKafka.bootstrapServers(), "acks", "all"),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "Streams reaches RUNNING");
            producer.send(new ProducerRecord<>(
                            TaskTopics.MODELS,
                            task,
                            cnnVersion(cfg.tasks().get(task)).toBytes()))
                    .get(10, TimeUnit.SECONDS);
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                producer.send(new ProducerRecord<>(topics.events(), e.getKey(), e.getValue()));
            }
            producer.flush();

            List<ConsumerRecord<byte[], byte[]>> predictions = read(topics.predictions(), 20, Duration.ofSeconds(90));
            Map<String, Integer> perId = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> p : predictions) {
                Prediction prediction = Json.read(p.value(), Prediction.class);
                perId.merge(prediction.id(), 1, Integer::sum);
                assertEquals(1L, prediction.modelVersion());
            }
            Set<String> good = new java.util.TreeSet<>(values.keySet());
            good.removeAll(bad);
            assertEquals(good, new java.util.TreeSet<>(perId.keySet()), "every good image predicted, no bad one");
            perId.forEach((id, n) -> assertEquals(1, n, "predictions of " + id));

            List<ConsumerRecord<byte[], byte[]>> dead = read(topics.dlq(), 2, Duration.ofSeconds(30));
            assertEquals(2, dead.size(), "two dead letters");
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                String id = new String(d.key(), StandardCharsets.UTF_8);
                assertTrue(bad.contains(id), id);
                assertArrayEquals(values.get(id), d.value(), "the original bytes of " + id);
                assertEquals(Reason.IMAGE_UNDECODABLE.name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
                // From the encoder worker's decode, not from the stream thread's parser (which sets no exception).
                assertEquals(
                        InputRejectedException.class.getName(), DeadLetter.header(d.headers(), DeadLetter.EXCEPTION));
                String message = DeadLetter.header(d.headers(), DeadLetter.MESSAGE);
                assertNotNull(message);
                assertTrue(message.contains("PNG image of 20 x 20"), message);
                assertEquals(topics.events(), DeadLetter.header(d.headers(), DeadLetter.SOURCE_TOPIC));
                assertEquals("0", DeadLetter.header(d.headers(), DeadLetter.SOURCE_PARTITION));
                assertNotNull(DeadLetter.header(d.headers(), DeadLetter.SOURCE_OFFSET));
            }
        }
    }

    /** The premise: the header check passes, the decode refuses. */
    private static void assertBadBehindAValidHeader(byte[] picture) {
        try {
            assertEquals(
                    new ImagePreprocessor.Header("PNG", 20, 20),
                    ImagePreprocessor.probe(picture, ImagePreprocessor.DEFAULT_MAX_PIXELS));
        } catch (ImageException e) {
            throw new AssertionError("the header should be valid: " + e.getMessage(), e);
        }
        assertThrows(
                ImageException.class, () -> ImagePreprocessor.decode(picture, ImagePreprocessor.DEFAULT_MAX_PIXELS));
    }
}
