package io.streamtune.scoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.ClusterStateDirectory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.KafkaProbe;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringHealth;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.topology.ScoringExceptionHandlers;
import io.streamtune.scoring.topology.ScoringTopology;
import io.streamtune.scoring.topology.ScoringWorkers;
import io.streamtune.scoring.topology.SinkCapacity;

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
 * <h2>Start</h2>
 * Opens the tasks' backbones, waits for Kafka (a probe says so within seconds while it does not
 * answer), creates missing topics, puts each task's newest valid version from the whole model history
 * in service ({@link ModelRegistry#seed}), then starts Kafka Streams with static group membership: an
 * instance that crashed and restarts with the same id (kept in its state directory, or
 * {@code scoring.instanceId}) rejoins as itself instead of waiting for the dead member's session to
 * expire. A graceful close leaves the group, so its partitions move at once.
 *
 * <p>Owns, and closes in reverse order: the metrics endpoint, KafkaStreams, the encoder workers,
 * the model registry (loader thread, classifiers) and, unless they were handed in, the backbones.
 */
public final class ScoringService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScoringService.class);
    /** Stream-thread failures within this window count towards DEGRADED (two or more). */
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private final StreamtuneConfig config;
    private final ScoringSettings settings;
    private final KafkaClients clients;
    private final Backbones backbones;
    private final boolean ownsBackbones;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScoringMetrics metrics = new ScoringMetrics(meters);
    private final Deque<ScoringHealth.ThreadFailure> threadFailures = new ArrayDeque<>();
    private ModelRegistry models;
    private ScoringWorkers workers;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private KafkaProbe probe;
    private MetricsServer http;
    private volatile boolean closed;
    private volatile String instanceId;

    public ScoringService(StreamtuneConfig config) throws ConfigException {
        this(config, ScoringSettings.from(config));
    }

    private ScoringService(StreamtuneConfig config, ScoringSettings settings) {
        // The artifact store holds weights too large for a model record (full fine-tuning); the trainer writes it.
        this(
                config,
                settings,
                Backbones.opening(
                        settings.encoderIntraOpThreads(),
                        new io.streamtune.common.model.DirectoryArtifactStore(
                                config.artifacts().dir())),
                true);
    }

    /** With these settings (e.g. flags applied); the service opens and closes its backbones. */
    public static ScoringService owningBackbones(StreamtuneConfig config, ScoringSettings settings) {
        return new ScoringService(config, settings);
    }

    /** With backbones the caller owns (tests and benchmarks share one pool across runs). */
    public ScoringService(StreamtuneConfig config, ScoringSettings settings, Backbones backbones) {
        this(config, settings, backbones, false);
    }

    private ScoringService(
            StreamtuneConfig config, ScoringSettings settings, Backbones backbones, boolean ownsBackbones) {
        this.config = config;
        this.settings = settings;
        this.clients = KafkaClients.of(config);
        this.backbones = backbones;
        this.ownsBackbones = ownsBackbones;
    }

    /**
     * Opens the backbones, waits for Kafka, creates missing topics, seeds the registry from the model
     * history, starts Kafka Streams and the metrics endpoint.
     *
     * @throws ConfigException when a task's encoder cannot be opened
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the service for good
     * @throws InterruptedException when closed while waiting for Kafka
     */
    public synchronized void start() throws ConfigException, InterruptedException {
        if (streams != null) {
            throw new IllegalStateException("scoring service already started");
        }
        if (settings.metricsPort() >= 0) {
            http = MetricsServer.start(
                    settings.metricsPort(),
                    ScoringSettings.SECTION + "." + ScoringSettings.METRICS_PORT.key(),
                    meters,
                    this::health);
            log.info("[scoring] metrics and health on port {}", http.port());
        }
        probe = KafkaProbe.start(clients, "scoring", Duration.ofSeconds(5), Duration.ofSeconds(30));
        Classifier.preloadEngine();
        for (TaskConfig t : ScoringTopology.scoredTasks(config)) {
            if (t.modality() == Modality.IMAGE) {
                continue; // an image task's backbone is its version's own CNN, opened with the version
            }
            // Seconds per encoder: before any model record arrives, and a bad encoder id fails the start.
            try (Backbones.Lease lease = backbones.frozenText(t.encoder(), t.maxSequenceLength())) {
                log.debug(
                        "[scoring task={}] backbone {} ready",
                        t.name(),
                        lease.backbone().key());
            } catch (ArtifactException e) {
                throw new ConfigException("tasks (" + t.name() + ").encoder: " + e.getMessage());
            }
        }
        if (settings.createTopics()) {
            KafkaRetry.until("[scoring] creating missing topics", log, () -> closed, () -> {
                try (Admin admin = clients.admin()) {
                    TopicAdmin.ensure(admin, config.topicLayout());
                }
                return null;
            });
        }
        models = new ModelRegistry(config.tasks(), settings.pins(), backbones, null, metrics);
        Map<String, ModelHistory.TaskHistory> history = KafkaRetry.until(
                "[scoring] reading the model history",
                log,
                () -> closed,
                () -> ModelHistory.read(clients, config.tasks().keySet(), CLIENT_TIMEOUT));
        for (TaskConfig t : ScoringTopology.scoredTasks(config)) {
            ModelHistory.TaskHistory h = history.get(t.name());
            if (!h.artifacts().isEmpty()) {
                var served = models.seed(t.name(), List.copyOf(h.artifacts().values()));
                log.info(
                        "[scoring task={}] starts with {} (newest valid of {} published versions)",
                        t.name(),
                        served.isPresent() ? "v" + served.getAsLong() : "no version",
                        h.artifacts().size());
            }
        }
        workers = ScoringWorkers.start(settings.encoderWorkers());
        metrics.encoderPending(workers::pending);
        SinkCapacity capacity = new SinkCapacity(config.limits());
        Topology topology = ScoringTopology.build(config, settings.batchPolicy(), models, metrics, workers, capacity);
        Properties props = settings.streamsProperties(config);
        ClusterStateDirectory.scopeToCluster(props, clients, CLIENT_TIMEOUT, "scoring", log, () -> closed);
        props.put(ScoringExceptionHandlers.METRICS_CONFIG, metrics);
        props.put(ScoringExceptionHandlers.CAPACITY_CONFIG, capacity);
        instanceId = settings.instanceId().isEmpty() ? storedInstanceId(props) : settings.instanceId();
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        streams = new KafkaStreams(topology, props);
        streams.setStateListener((now, before) -> log.info("[scoring] Kafka Streams {} -> {}", before, now));
        streams.setUncaughtExceptionHandler(e -> {
            recordThreadFailure(e);
            log.error(
                    "[scoring] stream thread failed; replacing it (under exactly_once_v2 its open transaction aborts)",
                    e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        log.info(
                "[scoring] starting application {} as {} for tasks {} (batch {} / {} ms, hold {}, commit {} ms, {} encoder workers, "
                        + "pins {})",
                settings.applicationId(),
                instanceId,
                config.tasks().keySet(),
                settings.batchSize(),
                settings.batchMaxWait().toMillis(),
                settings.holdMaxEvents(),
                settings.commitInterval().toMillis(),
                settings.encoderWorkers(),
                settings.pins());
        streams.start();
    }

    /**
     * The static membership id of this instance: kept next to the Kafka Streams state directory, so the
     * same process restarted on the same state directory rejoins as the same member.
     */
    static String storedInstanceId(Properties props) {
        Path stateDir = ClusterStateDirectory.configured(props);
        Path file = stateDir.resolve(props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + ".instance-id");
        try {
            if (Files.isRegularFile(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(stateDir);
            String id = "scoring-" + UUID.randomUUID();
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot keep the instance id in " + file + " (set scoring.instanceId, or make the "
                            + "Kafka Streams state directory writable): " + e.getMessage(),
                    e);
        }
    }

    private void recordThreadFailure(Throwable e) {
        synchronized (threadFailures) {
            threadFailures.addLast(new ScoringHealth.ThreadFailure(Instant.now(), e.toString()));
            while (threadFailures.size() > 10) {
                threadFailures.removeFirst();
            }
        }
    }

    /** Waits until Kafka Streams is RUNNING (global model store restored, tasks assigned). */
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

    public ModelRegistry models() {
        return models;
    }

    public MeterRegistry meterRegistry() {
        return meters;
    }

    public ScoringMetrics metrics() {
        return metrics;
    }

    /** The static membership id this instance joined with (null before {@link #start()}). */
    public String instanceId() {
        return instanceId;
    }

    /**
     * The names of this instance's stream threads ({@code <application.id>-<process id>-StreamThread-<n>}). The
     * process id is also in each thread's transactional id, so the names stay the same across a restart on the same
     * state directory exactly when the restarted instance fences the crashed one's open transaction.
     */
    List<String> streamThreadNames() {
        return streams.metadataForLocalThreads().stream()
                .map(org.apache.kafka.streams.ThreadMetadata::threadName)
                .sorted()
                .toList();
    }

    /** The port of /metrics and /health, or -1 when not served. */
    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    /** The {@code /health} document (see {@link ScoringHealth}). */
    public Map<String, Object> health() {
        ModelRegistry m = models;
        List<ScoringHealth.ThreadFailure> failures;
        synchronized (threadFailures) {
            Instant since = Instant.now().minus(FAILURE_WINDOW);
            failures =
                    threadFailures.stream().filter(f -> f.at().isAfter(since)).toList();
        }
        KafkaProbe p = probe;
        return ScoringHealth.of(
                state(),
                m == null ? Map.of() : m.describe(),
                metrics::heldEvents,
                failures,
                p == null || p.unreachableSince() == null
                        ? null
                        : "cannot reach Kafka at " + clients.bootstrapServers() + " since " + p.unreachableSince()
                                + ": " + p.reason());
    }

    @Override
    public synchronized void close() {
        close(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    }

    /**
     * Stops as a crash would leave the consumer group: this member stays in it until its session expires.
     * For tests of what a restart after kill -9 does.
     */
    synchronized void closeWithoutLeavingGroup() {
        close(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
    }

    private void close(CloseOptions.GroupMembershipOperation membership) {
        if (closed) {
            return;
        }
        closed = true;
        if (http != null) {
            http.close();
        }
        if (streams != null) {
            // Leave the group: the partitions move to the other instances (or a restarted one) at once. A crashed
            // instance cannot leave; static membership lets it rejoin as itself instead of waiting out its session.
            if (!streams.close(CloseOptions.groupMembershipOperation(membership).withTimeout(Duration.ofSeconds(30)))) {
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
        if (probe != null) {
            probe.close();
        }
        if (ownsBackbones) {
            backbones.close();
        }
        meters.close();
    }
}
