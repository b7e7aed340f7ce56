package io.streamtune.monitor.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.monitor.MonitorSettings;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.topology.MonitorTopology;

/** The production monitoring topology and Streams configuration under TopologyTestDriver, for one task. */
public final class MonitorDriver implements AutoCloseable {
    public final StreamtuneConfig config;
    public final MonitorMetrics metrics = MonitorMetrics.noop();
    public final TopologyTestDriver driver;
    public final String task;
    private final TestInputTopic<byte[], byte[]> predictions;
    private final TestInputTopic<byte[], byte[]> examples;
    private final TestOutputTopic<String, byte[]> alerts;
    private final TestOutputTopic<String, byte[]> modelEvents;

    public MonitorDriver(String yaml, String task, Path stateDir) {
        try {
            this.config = StreamtuneConfig.parse(yaml, Map.of(), Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        this.task = task;
        MonitorSettings settings = MonitorSettings.defaults().withLiveMetricsInterval(Duration.ofSeconds(1));
        Properties props = settings.streamsProperties(config);
        props.put("state.dir", stateDir.toString());
        driver = new TopologyTestDriver(
                MonitorTopology.build(config, settings.liveMetricsInterval(), metrics), props, Instant.ofEpochMilli(0));
        TaskTopics t = TaskTopics.of(task);
        predictions = driver.createInputTopic(t.predictions(), new ByteArraySerializer(), new ByteArraySerializer());
        examples = driver.createInputTopic(t.examples(), new ByteArraySerializer(), new ByteArraySerializer());
        alerts = driver.createOutputTopic(t.alerts(), new StringDeserializer(), new ByteArrayDeserializer());
        modelEvents = driver.createOutputTopic(
                TaskTopics.MODEL_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** A prediction as the scorer writes it; the record timestamp is the event time. */
    public void prediction(String id, String entity, String label, double score, long version, long ts) {
        String attrs = entity == null ? "{}" : "{\"entity\":\"" + entity + "\"}";
        String json = "{\"id\":\"" + id + "\",\"task\":\"" + task + "\",\"label\":\"" + label + "\",\"scores\":{\""
                + label + "\":" + score + "},\"modelVersion\":" + version + ",\"ts\":" + ts
                + ",\"latencyMs\":3.0,\"attrs\":" + attrs + "}";
        predictions.pipeInput(id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), ts);
    }

    public void rawPrediction(byte[] value, long ts) {
        predictions.pipeInput(null, value, ts);
    }

    /** A labelled example with this id, produced at {@code ts}. */
    public void label(String id, String label, long ts) {
        String json = "{\"id\":\"" + id + "\",\"text\":\"a text\",\"label\":\"" + label + "\"}";
        examples.pipeInput(id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), ts);
    }

    public List<Alert> alerts() {
        List<Alert> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : alerts.readRecordsToList()) {
            try {
                out.add(Alert.parse(r.value()));
            } catch (IOException e) {
                throw new AssertionError("unreadable alert " + new String(r.value(), StandardCharsets.UTF_8), e);
            }
        }
        return out;
    }

    /** Live-metrics records written so far (after wall-clock time advanced past the interval). */
    public List<LiveMetrics> liveMetrics() {
        List<LiveMetrics> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : modelEvents.readRecordsToList()) {
            if (RecordType.of(r.headers()) != RecordType.LIVE_METRICS) {
                throw new AssertionError("a model-events record without the live-metrics header");
            }
            try {
                out.add(Json.read(r.value(), LiveMetrics.class));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    @Override
    public void close() {
        driver.close();
    }
}
