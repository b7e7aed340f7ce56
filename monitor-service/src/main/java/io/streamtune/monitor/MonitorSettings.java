package io.streamtune.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Setting;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;

/**
 * The monitor service's settings, read from the top-level {@code monitoring} section (what to
 * watch per task is each task's {@code monitor} block, {@link io.streamtune.common.config.MonitorPolicy}).
 *
 * <pre>{@code
 * monitoring:
 *   applicationId: streamtune-monitor
 *   metricsPort: 9402
 *   liveMetricsInterval: 30s    # how often live-metrics records go to streamtune.model-events
 *   commitInterval: 100ms
 * }</pre>
 */
public record MonitorSettings(
        String applicationId,
        int metricsPort,
        Duration liveMetricsInterval,
        Duration commitInterval,
        int streamThreads,
        boolean createTopics) {
    private static final Logger log = LoggerFactory.getLogger(MonitorSettings.class);

    public static final String SECTION = "monitoring";

    public static final Setting<String> APPLICATION_ID = Setting.string(
            "applicationId",
            "streamtune-monitor",
            "Kafka Streams application.id: instances with the same id share the partitions");
    public static final Setting<Integer> METRICS_PORT = Setting.integer(
            "metricsPort", 9402, -1, 65_535, "port of /metrics and /health; 0 picks a free port, -1 serves nothing");
    public static final Setting<Duration> LIVE_METRICS_INTERVAL = Setting.duration(
            "liveMetricsInterval",
            Duration.ofSeconds(30),
            Duration.ofMillis(100),
            "how often live accuracy per model version is written to streamtune.model-events (wall clock)");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration(
            "commitInterval",
            Duration.ofMillis(100),
            Duration.ofMillis(1),
            "commit.interval.ms: under exactly_once_v2 alerts become visible to read_committed readers only at commit");
    public static final Setting<Integer> STREAM_THREADS =
            Setting.integer("streamThreads", 1, 1, 64, "num.stream.threads of this instance");
    public static final Setting<Boolean> CREATE_TOPICS =
            Setting.bool("createTopics", true, "create missing topics of the layout (README, Topics) at start");

    public static final List<Setting<?>> SETTINGS = List.of(
            APPLICATION_ID, METRICS_PORT, LIVE_METRICS_INTERVAL, COMMIT_INTERVAL, STREAM_THREADS, CREATE_TOPICS);

    /** Streams settings the service's guarantees depend on; overriding them logs a warning and is ignored. */
    static final Map<String, Object> ENFORCED = Map.of(
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
            StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName(),
            StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());

    public static MonitorSettings defaults() {
        return new MonitorSettings(
                APPLICATION_ID.defaultValue(),
                METRICS_PORT.defaultValue(),
                LIVE_METRICS_INTERVAL.defaultValue(),
                COMMIT_INTERVAL.defaultValue(),
                STREAM_THREADS.defaultValue(),
                CREATE_TOPICS.defaultValue());
    }

    public static MonitorSettings from(StreamtuneConfig config) throws ConfigException {
        JsonNode s = config.section(SECTION);
        List<String> problems = new ArrayList<>();
        MonitorSettings settings = new MonitorSettings(
                APPLICATION_ID.read(s, SECTION, problems),
                METRICS_PORT.read(s, SECTION, problems),
                LIVE_METRICS_INTERVAL.read(s, SECTION, problems),
                COMMIT_INTERVAL.read(s, SECTION, problems),
                STREAM_THREADS.read(s, SECTION, problems),
                CREATE_TOPICS.read(s, SECTION, problems));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return settings;
    }

    public MonitorSettings withMetricsPort(int port) {
        return new MonitorSettings(
                applicationId, port, liveMetricsInterval, commitInterval, streamThreads, createTopics);
    }

    public MonitorSettings withApplicationId(String id) {
        return new MonitorSettings(id, metricsPort, liveMetricsInterval, commitInterval, streamThreads, createTopics);
    }

    public MonitorSettings withLiveMetricsInterval(Duration interval) {
        return new MonitorSettings(applicationId, metricsPort, interval, commitInterval, streamThreads, createTopics);
    }

    /**
     * Kafka Streams properties: the {@code kafka} section passed through, then our settings, then
     * what the design depends on (exactly_once_v2, read_committed through it, byte-array serdes,
     * explicit names for every internal topic and store).
     */
    public Properties streamsProperties(StreamtuneConfig config) {
        Properties p = KafkaClients.of(config.kafka()).properties();
        p.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(commitInterval.toMillis()));
        p.putIfAbsent(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(streamThreads));
        p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.putIfAbsent(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        ENFORCED.forEach((k, v) -> enforce(p, k, v));
        // exactly_once_v2 makes every Streams consumer read_committed: aborted predictions are never monitored.
        return p;
    }

    private static void enforce(Properties p, String key, Object value) {
        Object given = p.get(key);
        if (given != null && !given.toString().equals(value.toString())) {
            log.warn(
                    "[monitor] ignoring {}={} from the configuration: the monitor service requires {}={}",
                    key,
                    given,
                    key,
                    value);
        }
        p.put(key, value);
    }
}
