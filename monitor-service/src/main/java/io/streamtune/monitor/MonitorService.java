package io.streamtune.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.kafka.ClusterStateDirectory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.KafkaProbe;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.monitor.metrics.MonitorMetrics;
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
 * <p>As the other services: every Kafka client from the full client settings, a probe that says within
 * seconds (and keeps saying) when Kafka does not answer, transient failures at start retried, and a
 * health document that says DOWN or DEGRADED with the reasons.
 *
 * <p>Owns, and closes in reverse order: the metrics endpoint, KafkaStreams and the probe.
 */
public final class MonitorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MonitorService.class);

    private final StreamtuneConfig config;
    private final MonitorSettings settings;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MonitorMetrics metrics = new MonitorMetrics(meters);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClients clients;
    private final Deque<Instant> threadFailures = new ArrayDeque<>();
    private KafkaProbe probe;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private MetricsServer http;
    private volatile boolean closed;

    public MonitorService(StreamtuneConfig config) throws ConfigException {
        this(config, MonitorSettings.from(config));
    }

    public MonitorService(StreamtuneConfig config, MonitorSettings settings) {
        this.config = config;
        this.settings = settings;
        this.clients = KafkaClients.of(config.kafka());
    }

    /**
     * Waits for Kafka (saying so while it does not answer), creates missing topics, starts Kafka Streams and
     * the metrics endpoint.
     *
     * @throws IllegalStateException when no task is monitored
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the service for good
     * @throws InterruptedException when closed while waiting for Kafka
     */
    public synchronized void start() throws InterruptedException {
        if (streams != null) {
            throw new IllegalStateException("monitor service already started");
        }
        if (MonitorTopology.monitoredTasks(config).isEmpty()) {
            throw new IllegalStateException("no task is monitored: set tasks[].monitor.alertLabel for at least one of "
                    + config.tasks().keySet());
        }
        if (settings.metricsPort() >= 0) {
            http = MetricsServer.start(
                    settings.metricsPort(),
                    MonitorSettings.SECTION + "." + MonitorSettings.METRICS_PORT.key(),
                    meters,
                    this::health);
            log.info("[monitor] metrics and health on port {}", http.port());
        }
        probe = KafkaProbe.start(clients, "monitor", Duration.ofSeconds(5), Duration.ofSeconds(30));
        if (settings.createTopics()) {
            KafkaRetry.until("[monitor] creating missing topics", log, () -> closed, () -> {
                try (Admin admin = clients.admin()) {
                    TopicAdmin.ensure(admin, config.topicLayout());
                }
                return null;
            });
        }
        Topology topology = MonitorTopology.build(config, settings.liveMetricsInterval(), metrics);
        Properties props = settings.streamsProperties(config);
        ClusterStateDirectory.scopeToCluster(props, clients, CLIENT_TIMEOUT, "monitor", log, () -> closed);
        streams = new KafkaStreams(topology, props);
        streams.setStateListener((now, before) -> log.info("[monitor] Kafka Streams {} -> {}", before, now));
        streams.setUncaughtExceptionHandler(e -> {
            synchronized (threadFailures) {
                threadFailures.addLast(Instant.now());
                while (threadFailures.size() > 10) {
                    threadFailures.removeFirst();
                }
            }
            log.error(
                    "[monitor] stream thread failed; replacing it (under exactly_once_v2 its open transaction aborts)",
                    e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        log.info(
                "[monitor] starting application {} for tasks {}",
                settings.applicationId(),
                MonitorTopology.monitoredTasks(config).stream()
                        .map(TaskConfig::name)
                        .toList());
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
            if (s == KafkaStreams.State.ERROR
                    || s == KafkaStreams.State.NOT_RUNNING
                    || s == KafkaStreams.State.PENDING_ERROR) {
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
     * The {@code /health} document: {@code status} DOWN while Kafka Streams does not run, DEGRADED (with the
     * reasons) while Kafka does not answer or stream threads keep failing, else UP; and per monitored task the
     * entities tracked, alert counts, alerts raised now and live accuracy per version.
     */
    public Map<String, Object> health() {
        KafkaStreams.State state = state();
        Map<String, Object> h = new LinkedHashMap<>();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        List<String> reasons = new ArrayList<>();
        if (!up) {
            reasons.add("Kafka Streams is " + (state == null ? "not started" : state.name()));
        }
        KafkaProbe p = probe;
        if (p != null && p.unreachableSince() != null) {
            reasons.add("cannot reach Kafka at " + clients.bootstrapServers() + " since " + p.unreachableSince() + ": "
                    + p.reason());
        }
        synchronized (threadFailures) {
            Instant since = Instant.now().minus(Duration.ofMinutes(5));
            long recent = threadFailures.stream().filter(t -> t.isAfter(since)).count();
            if (recent >= 2) {
                reasons.add("stream threads failed " + recent + " times in the last 5 minutes");
            }
        }
        h.put("status", !up ? "DOWN" : reasons.isEmpty() ? "UP" : "DEGRADED");
        if (!reasons.isEmpty()) {
            h.put("reasons", reasons);
        }
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
        if (probe != null) {
            probe.close();
        }
        meters.close();
    }
}
