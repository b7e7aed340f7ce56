package io.streamtune.scoring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Setting;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.scoring.topology.ScoringExceptionHandlers;
import io.streamtune.scoring.topology.ScoringTopology;

/**
 * The scoring service's settings, read from the {@code scoring} section of the configuration.
 *
 * <pre>{@code
 * scoring:
 *   applicationId: streamtune-scoring
 *   batch: {size: 32, maxWait: 20ms}
 *   hold: {maxEvents: 10000}
 *   commitInterval: 100ms
 *   streamThreads: 1
 *   encoder: {workers: 2}  # default: one per core; 0 encodes on the stream threads
 *   metricsPort: 9401
 *   pin: {reviews: 3}      # serve only version 3 of task reviews
 * }</pre>
 */
public record ScoringSettings(
        String applicationId,
        int batchSize,
        Duration batchMaxWait,
        int holdMaxEvents,
        Duration commitInterval,
        int streamThreads,
        int encoderWorkers,
        int metricsPort,
        boolean createTopics,
        Map<String, Long> pins,
        String instanceId) {
    private static final Logger log = LoggerFactory.getLogger(ScoringSettings.class);

    public static final String SECTION = "scoring";

    public static final Setting<String> APPLICATION_ID = Setting.string(
            "applicationId",
            "streamtune-scoring",
            "Kafka Streams application.id: instances with the same id share the partitions");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer(
            "batch.size",
            32,
            1,
            4096,
            "events encoded together in one encoder call; a batch is flushed as soon as it is full");
    public static final Setting<Duration> BATCH_MAX_WAIT = Setting.duration(
            "batch.maxWait",
            Duration.ofMillis(20),
            Duration.ofMillis(1),
            "a partly filled batch is flushed when its oldest event has waited this long (wall clock)");
    public static final Setting<Integer> HOLD_MAX_EVENTS = Setting.integer(
            "hold.maxEvents",
            10_000,
            1,
            10_000_000,
            "events held per partition while no model version can serve them; more go to the DLQ with NO_MODEL");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration(
            "commitInterval",
            Duration.ofMillis(100),
            Duration.ofMillis(1),
            "commit.interval.ms: under exactly_once_v2 predictions become visible to read_committed readers only at commit");
    public static final Setting<Integer> STREAM_THREADS =
            Setting.integer("streamThreads", 1, 1, 64, "num.stream.threads of this instance");
    public static final Setting<Integer> ENCODER_WORKERS = Setting.integer(
            "encoder.workers",
            Runtime.getRuntime().availableProcessors(),
            0,
            1024,
            "threads that encode batches while the stream threads go on reading and writing (default: one per core; "
                    + "0 encodes on the stream threads); each runs ONNX Runtime on cores / workers threads");
    public static final Setting<Integer> METRICS_PORT = Setting.integer(
            "metricsPort", 9401, -1, 65_535, "port of /metrics and /health; 0 picks a free port, -1 serves nothing");

    public static final Setting<Boolean> CREATE_TOPICS =
            Setting.bool("createTopics", true, "create missing topics of the layout (README, Topics) at start");
    public static final Setting<String> INSTANCE_ID = Setting.string(
            "instanceId",
            "",
            "static group membership id of this instance (a restart with the same id gets its partitions back without a "
                    + "rebalance); empty: one generated once and kept in the state directory");

    /** {@code pin.<task>}: one setting per configured task, 0 meaning "not pinned". */
    public static Setting<Integer> pin(String task) {
        return Setting.integer(
                "pin." + task,
                0,
                0,
                Integer.MAX_VALUE,
                "serve only this model version of task " + task + " (0: the newest valid version)");
    }

    public static final List<Setting<?>> SETTINGS = List.of(
            APPLICATION_ID,
            BATCH_SIZE,
            BATCH_MAX_WAIT,
            HOLD_MAX_EVENTS,
            COMMIT_INTERVAL,
            STREAM_THREADS,
            ENCODER_WORKERS,
            METRICS_PORT,
            CREATE_TOPICS,
            INSTANCE_ID);

    /** Settings for tests and tools: defaults with these batch and hold values. */
    public static ScoringSettings defaults() {
        return new ScoringSettings(
                APPLICATION_ID.defaultValue(),
                BATCH_SIZE.defaultValue(),
                BATCH_MAX_WAIT.defaultValue(),
                HOLD_MAX_EVENTS.defaultValue(),
                COMMIT_INTERVAL.defaultValue(),
                STREAM_THREADS.defaultValue(),
                ENCODER_WORKERS.defaultValue(),
                METRICS_PORT.defaultValue(),
                CREATE_TOPICS.defaultValue(),
                Map.of(),
                "");
    }

    /** Streams settings the service's guarantees depend on; overriding them logs a warning and is ignored. */
    static final Map<String, Object> ENFORCED = Map.of(
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
            StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName(),
            StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());

    public ScoringSettings {
        pins = Map.copyOf(pins);
    }

    public static ScoringSettings from(StreamtuneConfig config) throws ConfigException {
        JsonNode s = config.section(SECTION);
        List<String> problems = new ArrayList<>();
        Map<String, Long> pins = new LinkedHashMap<>();
        for (String task : config.tasks().keySet()) {
            int v = pin(task).read(s, SECTION, problems);
            if (v > 0) {
                pins.put(task, (long) v);
            }
        }
        s.path("pin").fieldNames().forEachRemaining(t -> {
            if (!config.tasks().containsKey(t)) {
                problems.add(SECTION + ".pin." + t + ": no task named '" + t + "' is configured (configured: "
                        + config.tasks().keySet() + ")");
            }
        });
        ScoringSettings settings = new ScoringSettings(
                APPLICATION_ID.read(s, SECTION, problems),
                BATCH_SIZE.read(s, SECTION, problems),
                BATCH_MAX_WAIT.read(s, SECTION, problems),
                HOLD_MAX_EVENTS.read(s, SECTION, problems),
                COMMIT_INTERVAL.read(s, SECTION, problems),
                STREAM_THREADS.read(s, SECTION, problems),
                ENCODER_WORKERS.read(s, SECTION, problems),
                METRICS_PORT.read(s, SECTION, problems),
                CREATE_TOPICS.read(s, SECTION, problems),
                pins,
                INSTANCE_ID.read(s, SECTION, problems));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return settings;
    }

    public ScoringSettings withMetricsPort(int port) {
        return new ScoringSettings(
                applicationId,
                batchSize,
                batchMaxWait,
                holdMaxEvents,
                commitInterval,
                streamThreads,
                encoderWorkers,
                port,
                createTopics,
                pins,
                instanceId);
    }

    public ScoringSettings withApplicationId(String id) {
        return new ScoringSettings(
                id,
                batchSize,
                batchMaxWait,
                holdMaxEvents,
                commitInterval,
                streamThreads,
                encoderWorkers,
                metricsPort,
                createTopics,
                pins,
                instanceId);
    }

    /** How the topology batches and holds events. */
    public ScoringTopology.BatchPolicy batchPolicy() {
        return new ScoringTopology.BatchPolicy(batchSize, batchMaxWait, holdMaxEvents);
    }

    /**
     * ONNX Runtime threads per encoder call: the cores shared among the workers, one each at
     * least; with no workers (encoding on the stream threads) one per core, ONNX Runtime's default (0).
     */
    public int encoderIntraOpThreads() {
        return encoderWorkers == 0 ? 0 : Math.max(1, Runtime.getRuntime().availableProcessors() / encoderWorkers);
    }

    /**
     * Kafka Streams properties: the {@code kafka} section passed through, then our settings, then
     * what the design depends on (exactly_once_v2, byte-array serdes, the exception handlers).
     */
    public Properties streamsProperties(StreamtuneConfig config) {
        Properties p = KafkaClients.of(config).properties();
        p.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(commitInterval.toMillis()));
        p.putIfAbsent(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(streamThreads));
        // Low linger keeps EOS latency close to the commit interval (DESIGN.md, Facts).
        p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        // The stream thread blocks in poll() at most this long, so neither the max-wait punctuation nor the
        // forwarding of a batch the workers finished waits long at low rates.
        p.putIfAbsent(
                StreamsConfig.POLL_MS_CONFIG, Long.toString(Math.max(1, Math.min(100, batchMaxWait.toMillis() / 2))));
        p.putIfAbsent(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Whatever passed limits.recordBytes must be writable: predictions, dead letters and the buffer changelog.
        String maxRequest = ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
        atLeast(
                p,
                StreamsConfig.producerPrefix(maxRequest),
                maxRequest,
                config.limits().writeBytes());
        atLeast(
                p,
                StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG),
                null,
                config.limits().writeBytes());
        ENFORCED.forEach((k, v) -> enforce(p, k, v));
        enforce(
                p,
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                ScoringExceptionHandlers.Deserialization.class.getName());
        enforce(
                p,
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                ScoringExceptionHandlers.Processing.class.getName());
        enforce(
                p,
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                ScoringExceptionHandlers.Production.class.getName());
        return p;
    }

    /**
     * Sets {@code key} to at least {@code min} bytes, keeping a larger value given under it (or,
     * when {@code fallbackKey} is not null and {@code key} is not given, under that key: the
     * unprefixed client setting); a smaller or unreadable value logs a warning and is raised.
     */
    private static void atLeast(Properties p, String key, String fallbackKey, int min) {
        Object given = p.get(key);
        if (given == null && fallbackKey != null) {
            given = p.get(fallbackKey);
        }
        long value = min;
        if (given != null) {
            long parsed;
            try {
                parsed = Long.parseLong(given.toString().trim());
            } catch (NumberFormatException e) {
                parsed = -1;
            }
            if (parsed >= min) {
                value = parsed;
            } else {
                log.warn(
                        "[scoring] {}={} is below the {} bytes that limits.recordBytes needs (2 x limit + 64 KiB);"
                                + " using {}",
                        key,
                        given,
                        min,
                        min);
            }
        }
        p.put(key, Long.toString(value));
    }

    private static void enforce(Properties p, String key, Object value) {
        Object given = p.get(key);
        if (given != null && !given.toString().equals(value.toString())) {
            log.warn(
                    "[scoring] ignoring {}={} from the configuration: the scoring service requires {}={}",
                    key,
                    given,
                    key,
                    value);
        }
        p.put(key, value);
    }
}
