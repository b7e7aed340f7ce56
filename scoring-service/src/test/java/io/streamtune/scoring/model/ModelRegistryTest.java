package io.streamtune.scoring.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelRegistryTest {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static StreamtuneConfig config;

    @BeforeAll
    static void setUp() throws Exception {
        config = StreamtuneConfig.parse("tasks: [{name: reviews, labels: [negative, positive]}]", Map.of(), Map.of());
    }

    private byte[] model(long v) {
        return TestModels.constant("reviews", v, LABELS, 0f, 1f).toBytes();
    }

    @Test
    void shouldCloseTheOldVersionOnlyWhenTheLastBatchUsingItReleasesIt() throws Exception {
        try (ModelRegistry registry =
                new ModelRegistry(config.tasks(), Map.of(), TestModels.backbones(), null, ScoringMetrics.noop())) {
            registry.offer("reviews", model(1));
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)), "loads off the caller's thread, then goes idle");
            ModelHandle inUse = registry.acquire("reviews");
            assertEquals(1, inUse.version());
            assertEquals(2, inUse.references(), "registry + this batch");

            registry.offer("reviews", model(2));
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)));
            assertEquals(2L, registry.servedVersion("reviews").getAsLong());
            assertFalse(inUse.isClosed(), "a batch still scores with v1");
            assertEquals(
                    1, inUse.classify(ModelInput.texts(List.of("still usable"))).size());

            inUse.release();
            assertTrue(inUse.isClosed());
            assertThrows(IllegalStateException.class, () -> inUse.classify(ModelInput.texts(List.of("closed now"))));
            ModelHandle current = registry.acquire("reviews");
            assertEquals(2, current.version());
            current.release();
        }
    }

    @Test
    void shouldServeNothingBeforeTheFirstVersionAndIgnoreUnknownTasks() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(
                config.tasks(), Map.of(), TestModels.backbones(), Runnable::run, ScoringMetrics.noop())) {
            assertNull(registry.acquire("reviews"));
            registry.offer("weather", model(1));
            assertNull(registry.acquire("weather"));
            assertTrue(registry.servedVersion("reviews").isEmpty());
        }
    }

    @Test
    void shouldLoadOnlyTheNewestOfOffersThatArriveDuringALoad() throws Exception {
        ScoringMetrics metrics = ScoringMetrics.noop();
        java.util.concurrent.ExecutorService loader = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        loader.execute(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (ModelRegistry registry =
                new ModelRegistry(config.tasks(), Map.of(), TestModels.backbones(), loader, metrics)) {
            for (long v = 1; v <= 4; v++) {
                registry.offer("reviews", model(v));
            }
            gate.countDown();
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)));
            assertEquals(4L, registry.servedVersion("reviews").getAsLong());
            assertEquals(
                    1.0,
                    metrics.registry()
                            .get(io.streamtune.scoring.monitor.ScoringMetrics.SWAPS)
                            .counter()
                            .count(),
                    "v1..v3 were superseded before they were loaded");
        } finally {
            loader.shutdownNow();
        }
    }

    @Test
    void shouldSeedTheNewestValidVersionWhereverItSitsAndFollowAPin() throws Exception {
        ModelArtifact v3 = TestModels.constant("reviews", 3, LABELS, 0f, 1f);
        ModelArtifact v12 = TestModels.constant("reviews", 12, LABELS, 1f, 0f);
        ModelArtifact wrongLabels = TestModels.constant("reviews", 13, List.of("bad", "good"), 1f, 0f);
        ModelArtifact otherEncoderFile = ModelArtifact.of(
                new ModelVersion(
                        ModelVersion.FORMAT_VERSION,
                        "reviews",
                        14,
                        13L,
                        v3.meta().encoderId(),
                        "f".repeat(64),
                        LABELS,
                        null,
                        List.of(),
                        0L,
                        null),
                io.streamtune.common.model.BackboneRef.text(
                        v3.backbone().id(), "f".repeat(64), v3.backbone().maxSequenceLength(), null),
                v3.head());
        try (ModelRegistry registry = new ModelRegistry(
                config.tasks(), Map.of(), TestModels.backbones(), Runnable::run, ScoringMetrics.noop())) {
            // v3 last (as an older artifact published again by hand would be), invalid versions above v12.
            assertEquals(
                    12L,
                    registry.seed("reviews", List.of(v12, wrongLabels, otherEncoderFile, v3))
                            .getAsLong());
            registry.offer("reviews", v3.toBytes());
            assertEquals(
                    12L,
                    registry.servedVersion("reviews").getAsLong(),
                    "a lower version offered later does not replace it");
            registry.offer("reviews", "garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(12L, registry.servedVersion("reviews").getAsLong(), "garbage is refused");
            assertEquals("MALFORMED", registry.lastRejection("reviews").reason());
        }
        try (ModelRegistry pinned = new ModelRegistry(
                config.tasks(), Map.of("reviews", 3L), TestModels.backbones(), Runnable::run, ScoringMetrics.noop())) {
            assertEquals(3L, pinned.seed("reviews", List.of(v12, v3)).getAsLong(), "a pin wins over newer versions");
        }
    }

    @Test
    void shouldServeEachTaskOnItsOwnTruncationWhenTwoTasksShareAnEncoder() throws Exception {
        StreamtuneConfig two = StreamtuneConfig.parse("""
                tasks:
                  - {name: short, labels: [negative, positive], maxSequenceLength: 16}
                  - {name: long, labels: [negative, positive], maxSequenceLength: 256}
                """, Map.of(), Map.of());
        // The same non-trivial head for both; only the truncation differs.
        java.util.Random r = new java.util.Random(3);
        float[] w = new float[384 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 90; i++) {
            text.append("the parcel arrived on a tuesday and the box was brown ");
        }
        text.append("but honestly it is a terrible, broken, awful product and I want my money back");
        List<ModelInput> input = ModelInput.texts(List.of(text.toString()));
        try (ModelRegistry registry = new ModelRegistry(
                two.tasks(), Map.of(), TestModels.backbones(), Runnable::run, ScoringMetrics.noop())) {
            for (String task : List.of("short", "long")) {
                int length = two.tasks().get(task).maxSequenceLength();
                ModelArtifact a = TestModels.constant(TestModels.backbone(length), task, 1, LABELS, 0f, 0f);
                ModelArtifact withHead = ModelArtifact.of(
                        a.meta(),
                        a.backbone(),
                        new io.streamtune.common.model.HeadWeights(
                                io.streamtune.common.config.HeadKind.LINEAR,
                                List.of(new io.streamtune.common.model.HeadWeights.Layer(384, 2, w, new float[2]))));
                registry.offer(task, withHead.toBytes());
            }
            double shortScore = score(registry, "short", input);
            double longScore = score(registry, "long", input);
            try (Classifier reference = Classifier.open(
                    ModelArtifact.of(
                            TestModels.constant(TestModels.backbone(256), "long", 1, LABELS, 0f, 0f)
                                    .meta(),
                            TestModels.backbone(256),
                            new io.streamtune.common.model.HeadWeights(
                                    io.streamtune.common.config.HeadKind.LINEAR,
                                    List.of(new io.streamtune.common.model.HeadWeights.Layer(
                                            384, 2, w, new float[2])))),
                    TestModels.backbones(),
                    256)) {
                assertEquals(
                        reference.classify(input).get(0).scores().get("positive"),
                        longScore,
                        1e-6,
                        "the 256-token task is served on 256 tokens, as it was trained");
            }
            assertNotEquals(shortScore, longScore, 1e-4, "the 16-token task sees only the start of the text");
        }
    }

    private static double score(ModelRegistry registry, String task, List<ModelInput> input) {
        ModelHandle h = registry.acquire(task);
        try {
            return h.classify(input).get(0).scores().get("positive");
        } finally {
            h.release();
        }
    }

    @Test
    void shouldWarmUpAnImageTaskWithAnImageOfItsSizeThatDecodes() throws Exception {
        io.streamtune.common.config.TaskConfig t =
                StreamtuneConfig.parse("""
                tasks:
                  - name: pics
                    modality: image
                    labels: [a, b]
                    image: {size: 24, channels: 3}
                """, Map.of(), Map.of()).tasks().get("pics");
        io.streamtune.common.model.ModelInput in = ModelRegistry.warmUpInput(t);
        byte[] png = ((io.streamtune.common.model.ModelInput.Image) in).encoded();
        io.streamtune.common.image.ImagePreprocessor.Header h =
                io.streamtune.common.image.ImagePreprocessor.probe(png, 1_000);
        assertEquals(24, h.width());
        assertEquals(24, h.height());
        float[] tensor =
                new io.streamtune.common.image.ImagePreprocessor(t.image().spec(), 1_000).tensor(png);
        assertEquals(3 * 24 * 24, tensor.length);
    }
}
