package io.streamtune.scoring.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelRegistryTest {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static TextEncoder encoder;
    private static StreamtuneConfig config;

    @BeforeAll
    static void setUp() throws Exception {
        encoder = Encoders.open(Encoders.DEFAULT_ID);
        config = StreamtuneConfig.parse("tasks: [{name: reviews, labels: [negative, positive]}]", Map.of(), Map.of());
    }

    @AfterAll
    static void tearDown() {
        encoder.close();
    }

    private byte[] model(long v) {
        return TestModels.constant(encoder, "reviews", v, LABELS, 0f, 1f).toBytes();
    }

    @Test
    void shouldCloseTheOldVersionOnlyWhenTheLastBatchUsingItReleasesIt() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(config.tasks(), Map.of(), EncoderPool.sharing(encoder), null,
                ScoringMetrics.noop())) {
            registry.offer("reviews", model(1));
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)), "loads off the caller's thread, then goes idle");
            ModelHandle inUse = registry.acquire("reviews");
            assertEquals(1, inUse.version());
            assertEquals(2, inUse.references(), "registry + this batch");

            registry.offer("reviews", model(2));
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)));
            assertEquals(2L, registry.servedVersion("reviews").getAsLong());
            assertFalse(inUse.isClosed(), "a batch still scores with v1");
            assertEquals(1, inUse.classifier().classify(List.of("still usable")).size());

            inUse.release();
            assertTrue(inUse.isClosed());
            assertThrows(IllegalStateException.class, () -> inUse.classifier().classify(List.of("closed now")));
            ModelHandle current = registry.acquire("reviews");
            assertEquals(2, current.version());
            current.release();
        }
    }

    @Test
    void shouldServeNothingBeforeTheFirstVersionAndIgnoreUnknownTasks() throws Exception {
        try (ModelRegistry registry = new ModelRegistry(config.tasks(), Map.of(), EncoderPool.sharing(encoder), Runnable::run,
                ScoringMetrics.noop())) {
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
        try (ModelRegistry registry = new ModelRegistry(config.tasks(), Map.of(), EncoderPool.sharing(encoder), loader, metrics)) {
            for (long v = 1; v <= 4; v++) {
                registry.offer("reviews", model(v));
            }
            gate.countDown();
            assertTrue(registry.awaitIdle(Duration.ofSeconds(30)));
            assertEquals(4L, registry.servedVersion("reviews").getAsLong());
            assertEquals(1.0, metrics.registry().get(io.streamtune.scoring.monitor.ScoringMetrics.SWAPS).counter().count(),
                    "v1..v3 were superseded before they were loaded");
        } finally {
            loader.shutdownNow();
        }
    }
}
