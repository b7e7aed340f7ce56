package io.streamtune.scoring;

import java.time.Duration;
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
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.common.topic.TopicLayout;
import io.streamtune.scoring.model.EncoderPool;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringHealth;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.topology.ScoringExceptionHandlers;
import io.streamtune.scoring.topology.ScoringTopology;
import io.streamtune.scoring.topology.ScoringWorkers;

/**
 * The scoring service in-process: Kafka Streams app, model registry, metrics and health.
 * Several instances with the same {@code scoring.applicationId} share the events' partitions.
 *
 * <pre>{@code
 * try (ScoringService scoring = new ScoringService(StreamtuneConfig.load(path, System.getenv(), Map.of()))) {
 *   scoring.start();
 *   scoring.awaitRunning(Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Owns, and closes in reverse order: the metrics endpoint, KafkaStreams, the encoder workers,
 * the model registry (loader thread, classifiers) and, unless they were handed in, the encoders.
 */
public final class ScoringService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScoringService.class);

    private final StreamtuneConfig config;
    private final ScoringSettings settings;
    private final EncoderPool encoders;
    private final boolean ownsEncoders;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScoringMetrics metrics = new ScoringMetrics(meters);
    private ModelRegistry models;
    private ScoringWorkers workers;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private MetricsServer http;
    private boolean closed;

    public ScoringService(StreamtuneConfig config) throws ConfigException {
        this(config, ScoringSettings.from(config));
    }

    private ScoringService(StreamtuneConfig config, ScoringSettings settings) {
        this(config, settings, EncoderPool.opening(settings.encoderIntraOpThreads()), true);
    }

    /** With these settings (e.g. flags applied); the service opens and closes its encoders. */
    public static ScoringService owningEncoders(StreamtuneConfig config, ScoringSettings settings) {
        return new ScoringService(config, settings);
    }

    /** With encoders the caller owns (tests and benchmarks share one across runs). */
    public ScoringService(StreamtuneConfig config, ScoringSettings settings, EncoderPool encoders) {
        this(config, settings, encoders, false);
    }

    private ScoringService(StreamtuneConfig config, ScoringSettings settings, EncoderPool encoders, boolean ownsEncoders) {
        this.config = config;
        this.settings = settings;
        this.encoders = encoders;
        this.ownsEncoders = ownsEncoders;
    }

    /** Opens the encoders, creates missing topics, starts Kafka Streams and the metrics endpoint. */
    public synchronized void start() throws EncoderException {
        if (streams != null) {
            throw new IllegalStateException("scoring service already started");
        }
        for (TaskConfig t : config.tasks().values()) {
            if (t.modality() == Modality.TEXT) {
                encoders.get(t.encoder(), t.maxSequenceLength()); // seconds: before any model record arrives
            }
        }
        if (settings.createTopics()) {
            // The full client settings (security included), not bootstrap.servers alone: issue 9, fault 9.
            try (Admin admin = Admin.create(config.kafkaProperties())) {
                TopicAdmin.ensure(admin, TopicLayout.forConfig(config));
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the topics on " + config.bootstrapServers() + ": " + e.getMessage(), e);
            }
        }
        models = new ModelRegistry(config.tasks(), settings.pins(), encoders, null, metrics);
        workers = ScoringWorkers.start(settings.encoderWorkers());
        metrics.encoderPending(workers::pending);
        Topology topology = ScoringTopology.build(config, settings, models, metrics, workers);
        Properties props = settings.streamsProperties(config);
        props.put(ScoringExceptionHandlers.METRICS_CONFIG, metrics);
        streams = new KafkaStreams(topology, props);
        streams.setStateListener((now, before) -> log.info("[scoring] Kafka Streams {} -> {}", before, now));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("[scoring] stream thread failed; replacing it (under exactly_once_v2 its open transaction aborts)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        if (settings.metricsPort() >= 0) {
            http = MetricsServer.start(settings.metricsPort(), meters, this::health);
            log.info("[scoring] metrics and health on port {}", http.port());
        }
        log.info("[scoring] starting application {} for tasks {} (batch {} / {} ms, hold {}, commit {} ms, {} encoder workers, pins {})",
                settings.applicationId(), config.tasks().keySet(), settings.batchSize(), settings.batchMaxWait().toMillis(),
                settings.holdMaxEvents(), settings.commitInterval().toMillis(), settings.encoderWorkers(), settings.pins());
        streams.start();
    }

    /** Waits until Kafka Streams is RUNNING (global model store restored, tasks assigned). */
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

    public ModelRegistry models() {
        return models;
    }

    public MeterRegistry meterRegistry() {
        return meters;
    }

    /** The port of /metrics and /health, or -1 when not served. */
    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    public Map<String, Object> health() {
        ModelRegistry m = models;
        return ScoringHealth.of(state(), m == null ? Map.of() : m.describe());
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
            // Leave the group: the partitions move to the other instances (or a restarted one) at once,
            // not after session.timeout.ms.
            if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)))) {
                log.warn("[scoring] Kafka Streams did not close within 30 s");
            }
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (workers != null) {
            workers.close(); // batches dropped at close finish here and release their models
        }
        if (models != null) {
            models.close();
        }
        if (ownsEncoders) {
            encoders.close();
        }
        meters.close();
    }
}
