package io.streamtune.scoring.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

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
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.JsonSerde;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a topic refused a record as too large (learned by the production exception handler), the
 * production topology writes only what that topic was found to take.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SinkCapacityTopologyTest {
    private static final String TASK = "reviews";
    private static final String APP = "ttd-capacity";
    private static final Backbones encoders = TestModels.backbones();

    @TempDir
    Path stateDir;

    private final SinkCapacity capacity = new SinkCapacity(io.streamtune.common.config.Limits.defaults());
    private ScoringWorkers workers;
    private ModelRegistry models;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> events;
    private TestOutputTopic<byte[], Prediction> predictions;
    private TestOutputTopic<byte[], byte[]> dlq;

    private void start() throws Exception {
        workers = ScoringWorkers.inline();
        StreamtuneConfig config = StreamtuneConfig.parse("""
                kafka: {bootstrap.servers: "ttd:9092"}
                tasks: [{name: reviews, labels: [negative, positive]}]
                """, Map.of(), Map.of());
        ScoringSettings settings = new ScoringSettings(
                APP, 1, Duration.ofMillis(20), 100, Duration.ofMillis(100), 1, 0, -1, false, Map.of(), "");
        ScoringMetrics metrics = ScoringMetrics.noop();
        models = new ModelRegistry(config.tasks(), Map.of(), encoders, Runnable::run, metrics);
        Properties props = settings.streamsProperties(config);
        props.put(
                "state.dir",
                Files.createDirectories(stateDir.resolve("streams")).toString());
        props.put(ScoringExceptionHandlers.METRICS_CONFIG, metrics);
        props.put(ScoringExceptionHandlers.CAPACITY_CONFIG, capacity);
        driver = new TopologyTestDriver(
                ScoringTopology.build(config, settings.batchPolicy(), models, metrics, workers, capacity), props);
        TaskTopics t = TaskTopics.of(TASK);
        events = driver.createInputTopic(t.events(), new ByteArraySerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(
                t.predictions(),
                new ByteArrayDeserializer(),
                JsonSerde.of(Prediction.class).deserializer());
        dlq = driver.createOutputTopic(t.dlq(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        driver.createInputTopic(TaskTopics.MODELS, new StringSerializer(), new ByteArraySerializer())
                .pipeInput(
                        TASK,
                        TestModels.constant(TASK, 1, List.of("negative", "positive"), 0f, 2f)
                                .toBytes());
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

    private void send(String id, String json) {
        events.pipeInput(id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
        driver.advanceWallClockTime(Duration.ofMillis(25));
    }

    private static String padded(String id, int padBytes) {
        return "{\"id\":\"" + id + "\",\"text\":\"Shares rally on upgrade\",\"attrs\":{\"pad\":\""
                + "x".repeat(padBytes) + "\"}}";
    }

    @Test
    void shouldCutDeadLettersToWhatTheDlqTopicWasFoundToTake() throws Exception {
        start();
        capacity.refused(TaskTopics.of(TASK).dlq(), 40_000);
        String malformed = "{\"id\":\"m-1\",\"text\":" + "x".repeat(30_000);
        send("m-1", malformed);

        TestRecord<byte[], byte[]> d = dlq.readRecord();
        long size = RecordParser.recordSize(d.key(), d.value(), d.headers());
        assertTrue(size <= 20_000, "half of what the topic refused: " + size);
        assertEquals(Reason.MALFORMED_JSON.name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
        assertEquals(Integer.toString(malformed.length()), DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SIZE));
        assertEquals("value", DeadLetter.header(d.headers(), DeadLetter.TRUNCATED));
    }

    @Test
    void shouldDeadLetterAnEventWhosePredictionThePredictionsTopicCannotTake() throws Exception {
        start();
        capacity.refused(TaskTopics.of(TASK).predictions(), 20_000);
        send("p-1", padded("p-1", 15_000));
        send("p-2", padded("p-2", 10));

        List<Prediction> out = predictions.readValuesToList();
        assertEquals(List.of("p-2"), out.stream().map(Prediction::id).toList(), "the small event is still scored");
        TestRecord<byte[], byte[]> d = dlq.readRecord();
        assertEquals(Reason.RECORD_TOO_LARGE.name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
        assertTrue(
                DeadLetter.header(d.headers(), DeadLetter.MESSAGE).contains("prediction"),
                DeadLetter.header(d.headers(), DeadLetter.MESSAGE));
        assertEquals("p-1", new String(d.key(), StandardCharsets.UTF_8));
        assertTrue(dlq.isEmpty());
    }

    @Test
    void shouldDeadLetterAnEventTheBufferChangelogCannotTake() throws Exception {
        start();
        capacity.refused(APP + "-scorer-" + TASK + "-buffer-changelog", 20_000);
        send("b-1", padded("b-1", 15_000));
        send("b-2", padded("b-2", 10));

        assertEquals(
                List.of("b-2"),
                predictions.readValuesToList().stream().map(Prediction::id).toList());
        TestRecord<byte[], byte[]> d = dlq.readRecord();
        assertEquals(Reason.RECORD_TOO_LARGE.name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
        assertTrue(
                DeadLetter.header(d.headers(), DeadLetter.MESSAGE).contains("buffer-changelog"),
                DeadLetter.header(d.headers(), DeadLetter.MESSAGE));
    }
}
