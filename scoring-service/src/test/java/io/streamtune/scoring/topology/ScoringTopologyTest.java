package io.streamtune.scoring.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;
import io.streamtune.common.serde.JsonSerde;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The production topology and Streams configuration under TopologyTestDriver. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScoringTopologyTest {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final String TASK = "reviews";
    private ScoringWorkers workers;

    @TempDir
    Path stateDir;

    private StreamtuneConfig config;
    private ModelRegistry models;
    private ScoringMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> events;
    private TestInputTopic<String, byte[]> modelTopic;
    private TestOutputTopic<byte[], Prediction> predictions;
    private TestOutputTopic<byte[], byte[]> dlq;

    private void start(int batchSize, int holdMax, Map<String, Long> pins) throws Exception {
        start(batchSize, holdMax, pins, ScoringWorkers.inline());
    }

    /** The production topology; with inline workers a batch is scored before the record that filled it returns. */
    private void start(int batchSize, int holdMax, Map<String, Long> pins, ScoringWorkers w) throws Exception {
        workers = w;
        config = StreamtuneConfig.parse("""
                kafka: {bootstrap.servers: "ttd:9092"}
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                    maxTextChars: 200
                """, Map.of(), Map.of());
        ScoringSettings settings = new ScoringSettings(
                "ttd-scoring",
                batchSize,
                Duration.ofMillis(20),
                holdMax,
                Duration.ofMillis(100),
                1,
                w.size(),
                -1,
                false,
                pins,
                "");
        metrics = ScoringMetrics.noop();
        // A direct executor: a piped model record is validated, loaded and swapped before pipeInput returns.
        models = new ModelRegistry(config.tasks(), pins, TestModels.backbones(), Runnable::run, metrics);
        Properties props = settings.streamsProperties(config);
        props.put(
                "state.dir",
                Files.createDirectories(stateDir.resolve("streams")).toString());
        props.put(ScoringExceptionHandlers.METRICS_CONFIG, metrics);
        driver = new TopologyTestDriver(
                ScoringTopology.build(config, settings.batchPolicy(), models, metrics, workers), props);
        TaskTopics t = TaskTopics.of(TASK);
        events = driver.createInputTopic(t.events(), new ByteArraySerializer(), new ByteArraySerializer());
        modelTopic = driver.createInputTopic(TaskTopics.MODELS, new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(
                t.predictions(),
                new ByteArrayDeserializer(),
                JsonSerde.of(Prediction.class).deserializer());
        dlq = driver.createOutputTopic(t.dlq(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
        if (workers != null) {
            workers.close();
        }
        if (models != null) {
            models.close();
        }
    }

    private void publishModel(long version, List<String> labels, float... bias) {
        modelTopic.pipeInput(
                TASK, TestModels.constant(TASK, version, labels, bias).toBytes());
    }

    private static byte[] event(String id, String text) {
        return ("{\"id\":\"" + id + "\",\"text\":\"" + text
                        + "\",\"ts\":1732300000000,\"attrs\":{\"entity\":\"ACME\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private void sendEvent(String id, String text) {
        events.pipeInput(id.getBytes(StandardCharsets.UTF_8), event(id, text));
    }

    private void tick() {
        driver.advanceWallClockTime(Duration.ofMillis(25));
    }

    @Test
    void shouldPredictWithTheVersionInServiceKeepingKeyAndAttrs() throws Exception {
        start(4, 100, Map.of());
        publishModel(1, LABELS, 0f, 2f);
        sendEvent("e-1", "The hotel room was spotless and the staff were lovely.");
        assertTrue(predictions.isEmpty(), "a partly filled batch waits for batch.maxWait");
        tick();
        TestRecord<byte[], Prediction> r = predictions.readRecord();
        assertArrayEquals("e-1".getBytes(StandardCharsets.UTF_8), r.key());
        Prediction p = r.value();
        assertEquals("e-1", p.id());
        assertEquals(TASK, p.task());
        assertEquals("positive", p.label());
        assertEquals(1, p.modelVersion());
        assertEquals(LABELS, List.copyOf(p.scores().keySet()));
        assertEquals(
                1.0,
                p.scores().values().stream().mapToDouble(Double::doubleValue).sum(),
                1e-4);
        assertEquals(Map.of("entity", "ACME"), p.attrs());
        assertEquals(1732300000000L, p.ts());
        assertTrue(p.latencyMs() > 0, "latency is measured from the event's ts");
        assertTrue(dlq.isEmpty());
    }

    @Test
    void shouldFlushAFullBatchWithoutWaiting() throws Exception {
        start(3, 100, Map.of());
        publishModel(1, LABELS, 0f, 2f);
        sendEvent("a", "first");
        sendEvent("b", "second");
        assertTrue(predictions.isEmpty());
        sendEvent("c", "third");
        assertEquals(
                List.of("a", "b", "c"),
                predictions.readValuesToList().stream().map(Prediction::id).toList());
    }

    @Test
    @Timeout(60)
    void shouldForwardBatchesScoredOnWorkerThreadsInPartitionOrderOnce() throws Exception {
        start(2, 100, Map.of(), ScoringWorkers.start(2));
        publishModel(1, LABELS, 0f, 2f);
        List<String> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 15; i++) { // 7 full batches (more than MAX_IN_FLIGHT) and one partly filled
            sent.add("w-" + i);
            sendEvent("w-" + i, "The blender number " + i + " works perfectly.");
        }
        List<Prediction> out = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out.size() < sent.size() && System.nanoTime() < deadline) {
            tick(); // forwards what the workers finished, and the partly filled batch after maxWait
            out.addAll(predictions.readValuesToList());
            Thread.sleep(5);
        }
        assertEquals(sent, out.stream().map(Prediction::id).toList(), "one prediction per event, in partition order");
        assertTrue(out.stream().allMatch(p -> p.modelVersion() == 1 && p.label().equals("positive")));
        tick();
        assertTrue(predictions.isEmpty() && dlq.isEmpty(), "nothing forwarded twice");
    }

    @Test
    @Timeout(60)
    void shouldKeepABatchInFlightInTheBufferAndDropItAtCloseReleasingItsModelWhenItEnds() throws Exception {
        ScoringWorkers one = ScoringWorkers.start(1);
        start(2, 100, Map.of(), one);
        publishModel(1, LABELS, 0f, 2f);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        one.submit(
                () -> { // occupies the only worker: the next batch stays in flight
                    try {
                        busy.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
        sendEvent("f-1", "The mattress feels solid and well made.");
        sendEvent("f-2", "The mattress feels solid and well made.");
        tick();
        assertTrue(predictions.isEmpty(), "the batch is in flight");
        var buffer = driver.<Long, BufferedEvent>getKeyValueStore(new ScoringTopology.Names(TASK).bufferStore());
        int buffered = 0;
        try (var it = buffer.all()) {
            while (it.hasNext()) {
                it.next();
                buffered++;
            }
        }
        assertEquals(2, buffered, "a batch in flight stays in the (changelogged) buffer until it is forwarded");
        ModelHandle model = models.acquire(TASK);
        assertEquals(3, model.references(), "the registry, the batch in flight and this test");
        model.release();

        driver.close(); // a rebalance or shutdown: the batch is dropped, not forwarded
        driver = null;
        busy.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (model.references() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, model.references(), "the dropped batch released its model when it ended");
    }

    @Test
    void shouldRouteEachMalformedKindToDlqWithHeadersAndOriginalBytes() throws Exception {
        start(4, 100, Map.of());
        publishModel(1, LABELS, 0f, 2f);
        Map<Reason, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put(Reason.MALFORMED_JSON, "{\"id\":\"x\",\"text\":".getBytes(StandardCharsets.UTF_8));
        bad.put(Reason.MISSING_ID, "{\"text\":\"no id here\"}".getBytes(StandardCharsets.UTF_8));
        bad.put(Reason.EMPTY_TEXT, "{\"id\":\"e\",\"text\":\"   \"}".getBytes(StandardCharsets.UTF_8));
        bad.put(
                Reason.TEXT_TOO_LONG,
                ("{\"id\":\"l\",\"text\":\"" + "a".repeat(201) + "\"}").getBytes(StandardCharsets.UTF_8));
        bad.put(
                Reason.UNKNOWN_TASK,
                "{\"id\":\"u\",\"task\":\"weather\",\"text\":\"sunny\"}".getBytes(StandardCharsets.UTF_8));
        RecordHeaders original = new RecordHeaders();
        original.add("trace-id", "t-42".getBytes(StandardCharsets.UTF_8));
        for (byte[] value : bad.values()) {
            events.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), value, original));
        }
        tick();
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertEquals(bad.size(), dead.size());
        int i = 0;
        for (Map.Entry<Reason, byte[]> e : bad.entrySet()) {
            TestRecord<byte[], byte[]> d = dead.get(i);
            assertEquals(e.getKey().name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
            assertArrayEquals(e.getValue(), d.value(), "original bytes");
            assertArrayEquals("k".getBytes(StandardCharsets.UTF_8), d.key());
            assertEquals("reviews.events", DeadLetter.header(d.headers(), DeadLetter.SOURCE_TOPIC));
            assertEquals("0", DeadLetter.header(d.headers(), DeadLetter.SOURCE_PARTITION));
            assertEquals(Integer.toString(i), DeadLetter.header(d.headers(), DeadLetter.SOURCE_OFFSET));
            assertNotNull(DeadLetter.header(d.headers(), DeadLetter.MESSAGE));
            assertEquals("t-42", DeadLetter.header(d.headers(), "trace-id"), "original headers are kept");
            i++;
        }
        assertTrue(predictions.isEmpty());
        assertEquals(
                1.0,
                metrics.registry()
                        .get(ScoringMetrics.DLQ)
                        .tag("reason", "TEXT_TOO_LONG")
                        .counter()
                        .count());
    }

    @Test
    void shouldSwapVersionsBetweenTwoRecords() throws Exception {
        start(4, 100, Map.of());
        publishModel(1, LABELS, 0f, 2f);
        sendEvent("e-1", "Battery life is excellent.");
        tick();
        publishModel(2, LABELS, 2f, 0f);
        sendEvent("e-2", "Battery life is excellent.");
        tick();
        List<Prediction> out = predictions.readValuesToList();
        assertEquals(2, out.size());
        assertEquals(1, out.get(0).modelVersion());
        assertEquals("positive", out.get(0).label());
        assertEquals(2, out.get(1).modelVersion());
        assertEquals("negative", out.get(1).label());
    }

    @Test
    void shouldKeepTheChampionWhenAModelIsCorruptOrHasTheWrongLabels() throws Exception {
        start(4, 100, Map.of());
        publishModel(1, LABELS, 0f, 2f);
        byte[] corrupt = TestModels.constant(TASK, 2, LABELS, 2f, 0f).toBytes();
        String text = new String(corrupt, StandardCharsets.UTF_8).replace("\"version\":2", "\"version\":9");
        modelTopic.pipeInput(TASK, text.getBytes(StandardCharsets.UTF_8));
        assertEquals("CHECKSUM_MISMATCH", models.lastRejection(TASK).reason());
        publishModel(3, List.of("bad", "good"), 2f, 0f);
        assertEquals("LABEL_MISMATCH", models.lastRejection(TASK).reason());
        assertEquals(3, models.lastRejection(TASK).version());
        modelTopic.pipeInput(TASK, java.util.Arrays.copyOf(corrupt, corrupt.length / 2));
        assertEquals("TRUNCATED", models.lastRejection(TASK).reason());

        sendEvent("e-1", "Works fine.");
        tick();
        Prediction p = predictions.readValue();
        assertEquals(1, p.modelVersion());
        assertEquals("positive", p.label());
        assertEquals(1L, models.servedVersion(TASK).getAsLong());
        assertEquals(
                3.0,
                metrics.registry().get(ScoringMetrics.REJECTED).counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum());
    }

    @Test
    void shouldNeverGoBackToAnOlderVersion() throws Exception {
        start(4, 100, Map.of());
        publishModel(2, LABELS, 2f, 0f);
        publishModel(1, LABELS, 0f, 2f);
        sendEvent("e-1", "ok");
        tick();
        assertEquals(2, predictions.readValue().modelVersion());
    }

    @Test
    void shouldServeOnlyThePinnedVersion() throws Exception {
        start(4, 100, Map.of(TASK, 1L));
        publishModel(1, LABELS, 0f, 2f);
        publishModel(2, LABELS, 2f, 0f);
        sendEvent("e-1", "ok");
        tick();
        Prediction p = predictions.readValue();
        assertEquals(1, p.modelVersion());
        assertEquals("positive", p.label());
    }

    @Test
    void shouldHoldEventsBeforeTheFirstModelAndScoreThemInOrderWhenItArrives() throws Exception {
        start(2, 100, Map.of());
        for (int i = 1; i <= 5; i++) {
            sendEvent("e-" + i, "held event number " + i);
        }
        tick();
        tick();
        assertTrue(predictions.isEmpty(), "no model, nothing scored");
        assertTrue(dlq.isEmpty(), "held, not dead-lettered");
        publishModel(1, LABELS, 0f, 2f);
        tick();
        List<Prediction> out = predictions.readValuesToList();
        assertEquals(
                List.of("e-1", "e-2", "e-3", "e-4", "e-5"),
                out.stream().map(Prediction::id).toList());
        assertTrue(out.stream().allMatch(p -> p.modelVersion() == 1));
    }

    @Test
    void shouldSendHoldOverflowToDlqWithNoModel() throws Exception {
        start(2, 3, Map.of());
        for (int i = 1; i <= 5; i++) {
            sendEvent("e-" + i, "event " + i);
        }
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertEquals(2, dead.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(Reason.NO_MODEL.name(), DeadLetter.header(dead.get(i).headers(), DeadLetter.REASON));
            assertArrayEquals(
                    event("e-" + (i + 4), "event " + (i + 4)), dead.get(i).value());
        }
        publishModel(1, LABELS, 0f, 2f);
        tick();
        assertEquals(
                List.of("e-1", "e-2", "e-3"),
                predictions.readValuesToList().stream().map(Prediction::id).toList());
    }
}
