package io.streamtune.monitor;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.common.topic.TopicLayout;
import io.streamtune.monitor.topology.MonitorTopology;

/**
 * The monitor service in-process: its Kafka Streams application, metrics and health. Instances
 * with the same {@code monitoring.applicationId} share the partitions.
 *
 * <pre>{@code
 * try (MonitorService monitor = new MonitorService(StreamtuneConfig.load(path, System.getenv(), Map.of()))) {
 *   monitor.start();
 *   monitor.awaitRunning(Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Owns, and closes in reverse order: the metrics endpoint and KafkaStreams.
 */
public final class MonitorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MonitorService.class);

    private final StreamtuneConfig config;
    private final MonitorSettings settings;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MonitorMetrics metrics = new MonitorMetrics(meters);
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private MetricsServer http;
    private boolean closed;

    public MonitorService(StreamtuneConfig config) throws ConfigException {
        this(config, MonitorSettings.from(config));
    }

    public MonitorService(StreamtuneConfig config, MonitorSettings settings) {
        this.config = config;
        this.settings = settings;
    }

    /** Creates missing topics, starts Kafka Streams and the metrics endpoint. */
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("monitor service already started");
        }
        if (MonitorTopology.monitoredTasks(config).isEmpty()) {
            throw new IllegalStateException("no task is monitored: set tasks[].monitor.alertLabel for at least one of "
                    + config.tasks().keySet());
        }
        if (settings.createTopics()) {
            try (Admin admin = Admin.create(config.kafkaProperties())) {
                TopicAdmin.ensure(admin, TopicLayout.forConfig(config));
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the topics on " + config.bootstrapServers() + ": " + e.getMessage(), e);
            }
        }
        Topology topology = MonitorTopology.build(config, settings, metrics);
        Properties props = settings.streamsProperties(config);
        streams = new KafkaStreams(topology, props);
        streams.setStateListener((now, before) -> log.info("[monitor] Kafka Streams {} -> {}", before, now));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("[monitor] stream thread failed; replacing it (under exactly_once_v2 its open transaction aborts)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        if (settings.metricsPort() >= 0) {
            http = MetricsServer.start(settings.metricsPort(), meters, this::health);
            log.info("[monitor] metrics and health on port {}", http.port());
        }
        log.info("[monitor] starting application {} for tasks {}", settings.applicationId(),
                MonitorTopology.monitoredTasks(config).stream().map(TaskConfig::name).toList());
        streams.start();
    }

    /** Waits until Kafka Streams is RUNNING (tasks assigned, stores restored). */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            KafkaStreams.State s = state();
            if (s == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_ERROR) {
                return false;
            }
            Thread.sleep(20);
        }
        return false;
    }

    public synchronized KafkaStreams.State state() {
        return streams == null ? null : streams.state();
    }

    public MeterRegistry meterRegistry() {
        return meters;
    }

    public MonitorMetrics metrics() {
        return metrics;
    }

    /** The port of /metrics and /health, or -1 when not served. */
    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    /**
     * The {@code /health} document: {@code status} UP while Kafka Streams runs (or rebalances), and
     * per monitored task the entities tracked, alert counts, alerts raised now and live accuracy per version.
     */
    public Map<String, Object> health() {
        KafkaStreams.State state = state();
        Map<String, Object> h = new LinkedHashMap<>();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        h.put("status", up ? "UP" : "DOWN");
        h.put("service", "monitor");
        h.put("streams", state == null ? "NOT_STARTED" : state.name());
        h.put("tasks", metrics.describe());
        return h;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (http != null) {
            http.close();
        }
        if (streams != null) {
            if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)))) {
                log.warn("[monitor] Kafka Streams did not close within 30 s");
            }
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        meters.close();
    }
}
