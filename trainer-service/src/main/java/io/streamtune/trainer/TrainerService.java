package io.streamtune.trainer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.KafkaProbe;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.DirectoryArtifactStore;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.loop.BackgroundFinetuner;
import io.streamtune.trainer.loop.TaskState;
import io.streamtune.trainer.loop.TrainerLoop;
import io.streamtune.trainer.monitor.TrainerMetrics;
import io.streamtune.trainer.training.HeadLearner;
import io.streamtune.trainer.training.image.CnnLearner;
import io.streamtune.trainer.window.TaskWindow;

/**
 * The trainer service: wires the loop ({@link TrainerLoop}: consume examples, keep windows, train,
 * gate, publish transactionally), the backbones it trains on, and the metrics and health endpoint;
 * owns their lifecycle.
 *
 * <pre>{@code
 * try (TrainerService trainer = new TrainerService(config, TrainerOptions.defaults())) {
 *     trainer.start();          // fences an older trainer, reads the model history, starts the loop
 *     trainer.awaitTermination();
 * }
 * }</pre>
 *
 * <h2>Kafka going away</h2>
 * A probe says within seconds, and keeps saying, when Kafka does not answer (log and {@code /health});
 * start-up waits for it, and the loop rides out outages (retrying transactions with the same records
 * and offsets). Only fatal failures (another trainer of the same task set took over, refused
 * credentials or ACLs) stop the service, with a message that says what to do.
 *
 * <h2>Threads</h2>
 * One loop thread polls, trains heads, gates and publishes; one background thread trains fine-tuning challengers
 * ({@link BackgroundFinetuner}) when a task sets {@code finetune.mode}, and is cancelled on close. {@link #close()}
 * (also from a shutdown hook) wakes the loop, lets a head training in progress finish and abandons its result,
 * cancels a fine-tune, aborts an open transaction and closes the clients.
 */
public final class TrainerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainerService.class);

    /** Settings the trainer's transactions depend on; an override in {@code kafka.*} is ignored with a warning. */
    private static final List<String> ENFORCED = List.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG,
            "transactional.id",
            "enable.idempotence",
            "acks");

    private final StreamtuneConfig config;
    private final TrainerOptions options;
    private final TrainerSettings settings;
    private final List<TaskConfig> tasks;
    private final String transactionalId;
    private final KafkaClients clients;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TrainerMetrics metrics = new TrainerMetrics(registry);
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** At most one fine-tuning progress line per task this often. */
    private static final Duration FINETUNE_PROGRESS_EVERY = Duration.ofSeconds(5);

    private Backbones backbones;
    private BackgroundFinetuner finetuner;
    private KafkaProbe probe;
    private volatile TrainerLoop loop;
    private MetricsServer metricsServer;
    private Thread thread;
    private volatile boolean closing;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile Instant startedAt;

    /**
     * Validates the configuration and the trainer's settings; opens nothing yet.
     *
     * @throws ConfigException naming every bad key or an unknown task
     */
    public TrainerService(StreamtuneConfig config, TrainerOptions options) throws ConfigException {
        this.config = config;
        this.options = options;
        this.settings = TrainerSettings.from(config);
        this.clients = KafkaClients.of(config);
        List<String> problems = new ArrayList<>();
        List<TaskConfig> selected = new ArrayList<>();
        Set<String> wanted = options.tasks() == null || options.tasks().isEmpty()
                ? config.tasks().keySet()
                : options.tasks();
        for (String name : new TreeSet<>(wanted)) {
            TaskConfig t = config.tasks().get(name);
            if (t == null) {
                problems.add("task '" + name + "' is not configured (configured: "
                        + config.tasks().keySet() + ")");
            } else {
                if (TaskWindow.holdoutCapacity(t.window()) < settings.minHoldout()) {
                    problems.add("tasks (" + name + ").window: size x holdoutPercent keeps at most "
                            + TaskWindow.holdoutCapacity(t.window()) + " holdout examples, below trainer.minHoldout "
                            + settings.minHoldout());
                }
                selected.add(t);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        this.tasks = List.copyOf(selected);
        String names = String.join("+", tasks.stream().map(TaskConfig::name).toList());
        this.transactionalId =
                "streamtune-trainer-" + (settings.instanceId().isEmpty() ? "" : settings.instanceId() + "-") + names;
    }

    /**
     * Opens the tasks' backbones, waits for Kafka (saying so while it does not answer), creates missing
     * topics, fences an older trainer of the same task set, reads the model history, positions the
     * consumer and starts the loop thread.
     *
     * @throws ConfigException when a topic is missing and may not be created, or an encoder cannot be opened
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the trainer for good
     * @throws InterruptedException when {@link #close()} is called while it waits for Kafka
     */
    public synchronized void start() throws ConfigException, InterruptedException {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        startedAt = Instant.now();
        warnOverrides();
        int port = options.metricsPort() != null ? options.metricsPort() : settings.metricsPort();
        if (port >= 0) {
            metricsServer =
                    MetricsServer.start(port, "trainer." + TrainerSettings.METRICS_PORT.key(), registry, this::health);
            log.info("[trainer] metrics on :{}/metrics, health on /health", metricsServer.port());
        }
        probe = KafkaProbe.start(clients, "trainer", Duration.ofSeconds(5), Duration.ofSeconds(30));
        Classifier.preloadEngine();
        boolean finetunes = tasks.stream().anyMatch(t -> t.finetune().enabled());
        // Who may put weights in the store (large fine-tuned encoders, large CNN packs): the loop then collects it.
        boolean storesWeights = finetunes || tasks.stream().anyMatch(t -> t.modality() == Modality.IMAGE);
        // Always: a champion may stand on stored weights (published while a task fine-tuned, or rolled back to).
        ArtifactStore store = new DirectoryArtifactStore(config.artifacts().dir());
        backbones = options.backbones() != null ? options.backbones() : Backbones.opening(0, store);
        for (TaskConfig t : tasks) {
            if (t.modality() == Modality.IMAGE) {
                log.info(
                        "[{}] image task: a {}-layer cnn on {}x{}x{} images, trained on each window",
                        t.name(),
                        t.cnn().layers(),
                        t.image().spec().channels(),
                        t.image().spec().size(),
                        t.image().spec().size());
                continue;
            }
            // Seconds per encoder: before any example arrives, and a bad encoder id fails the start.
            try (Backbones.Lease lease = backbones.frozenText(t.encoder(), t.maxSequenceLength())) {
                log.info("[{}] backbone {} ready", t.name(), lease.backbone().key());
            } catch (ArtifactException e) {
                throw new ConfigException("tasks (" + t.name() + ").encoder: " + e.getMessage());
            }
        }
        if (settings.createTopics()) {
            KafkaRetry.until("[trainer] creating missing topics", log, () -> closing, () -> {
                try (Admin admin = clients.admin()) {
                    List<String> created = TopicAdmin.ensure(admin, config.topicLayout());
                    if (!created.isEmpty()) {
                        log.info("[trainer] created topics {}", created);
                    }
                }
                return null;
            });
        }
        ModalityLearner learner = new ModalityLearner(
                new HeadLearner(backbones, settings.encoderCacheSize(), settings.validationFraction()),
                new CnnLearner(backbones, store, config.artifacts().inlineMaxBytes()));
        PromotionGate gate = new PromotionGate(learner, options.clock());
        TrainerLoop.Settings loopSettings = new TrainerLoop.Settings(
                settings.pollTimeout(),
                settings.commitInterval(),
                settings.maxPendingDeadLetters(),
                settings.minHoldout(),
                options.clock(),
                options.beforeCommit());
        if (finetunes) {
            finetuner = new BackgroundFinetuner(
                    backbones,
                    store,
                    config.artifacts().inlineMaxBytes(),
                    FINETUNE_PROGRESS_EVERY,
                    config.artifacts().gcMinAge());
            List<String> which = tasks.stream()
                    .filter(t -> t.finetune().enabled())
                    .map(t -> t.name() + " (" + t.finetune().mode().name().toLowerCase(java.util.Locale.ROOT)
                            + " every " + t.finetune().every() + ")")
                    .toList();
            log.info("[trainer] fine-tuning challengers for {}; large weights go to {}", which, store);
        }
        TrainerLoop l = new TrainerLoop(
                TrainerLoop.Kafka.of(clients),
                loopSettings,
                tasks,
                RecordParser.of(config),
                transactionalId,
                gate,
                metrics,
                finetuner,
                storesWeights ? store : null,
                config.artifacts().gcMinAge());
        try {
            l.bootstrap(() -> closing);
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            l.close();
            closeFinetuner();
            throw e;
        }
        loop = l;
        running = true;
        thread = new Thread(() -> run(l), "streamtune-trainer");
        thread.start();
        log.info(
                "[trainer] {} started for tasks {}",
                transactionalId,
                tasks.stream().map(TaskConfig::name).toList());
    }

    private void run(TrainerLoop l) {
        try {
            l.run(() -> closing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
            log.error(
                    "[trainer] {} stops: {}. Restart it: it rebuilds its windows from the topics, nothing committed is lost",
                    transactionalId,
                    e.getMessage(),
                    e);
        } finally {
            running = false;
            closeFinetuner();
            l.close();
            stopped.countDown();
        }
    }

    /** Cancels a fine-tune in progress (it stops after its current step) and ends its thread. */
    private void closeFinetuner() {
        BackgroundFinetuner f = finetuner;
        if (f != null) {
            f.close();
        }
    }

    /**
     * The {@code /health} document: {@code status} STARTING (waiting for Kafka or reading the history),
     * UP, DEGRADED (Kafka does not answer: the loop waits and retries) or DOWN (stopped), with {@code reasons}, a
     * list as in the scorer's and the monitor's documents (one reason here).
     */
    public Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        KafkaProbe p = probe;
        Instant unreachable = p == null ? null : p.unreachableSince();
        String status;
        String reason = null;
        if (failure != null || (thread != null && !running)) {
            status = "DOWN";
            reason = failure == null ? "stopped" : failure.getMessage();
        } else if (!running) {
            status = "STARTING";
            reason = unreachable != null ? "waiting for Kafka: " + p.reason() : "reading the model history";
        } else if (unreachable != null) {
            status = "DEGRADED";
            reason =
                    "cannot reach Kafka at " + clients.bootstrapServers() + " since " + unreachable + ": " + p.reason();
        } else {
            status = "UP";
        }
        h.put("status", status);
        if (reason != null) {
            h.put("reasons", List.of(reason));
        }
        h.put("service", "trainer");
        h.put("transactionalId", transactionalId);
        Map<String, Object> tasksHealth = new TreeMap<>();
        TrainerLoop l = loop;
        if (l != null) {
            l.tasks().forEach((name, t) -> tasksHealth.put(name, t.describe()));
        }
        h.put("tasks", tasksHealth);
        List<String> finetuning = new ArrayList<>();
        if (l != null) {
            l.tasks().forEach((name, t) -> {
                if (t.finetune() != null) {
                    finetuning.add(name);
                }
            });
        }
        h.put("finetuning", finetuning);
        return h;
    }

    private void warnOverrides() {
        for (String key : ENFORCED) {
            if (config.kafka().containsKey(key)) {
                log.warn(
                        "[trainer] kafka.{} = {} is ignored: the trainer sets it itself (read_committed, transactions)",
                        key,
                        config.kafka().get(key));
            }
        }
    }

    /** Blocks until the loop ends (after {@link #close()} or a fatal error). */
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the loop: a training in progress finishes and its result is abandoned, an open
     * transaction is aborted, pending dead letters are committed, clients and backbones closed.
     */
    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            TrainerLoop l = loop;
            if (l != null) {
                l.wakeup();
            }
            try {
                if (!stopped.await(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn(
                            "[trainer] the loop did not stop within {}; leaving it (its transaction is aborted when a restart fences it)",
                            settings.closeTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (metricsServer != null) {
                metricsServer.close();
                metricsServer = null;
            }
            if (probe != null) {
                probe.close();
            }
            if (backbones != null && options.backbones() == null) {
                backbones.close();
            }
            backbones = null;
        }
        registry.close();
    }

    public boolean isRunning() {
        return running;
    }

    /** Why the loop stopped, when it stopped on its own. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Version in service per task as last published or found (0: none). */
    public Map<String, Long> championVersions() {
        Map<String, Long> out = new TreeMap<>();
        TrainerLoop l = loop;
        if (l != null) {
            for (Map.Entry<String, TaskState> e : l.tasks().entrySet()) {
                out.put(e.getKey(), e.getValue().lastVersion());
            }
        }
        return out;
    }

    public String transactionalId() {
        return transactionalId;
    }

    public TrainerMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The port of /metrics and /health, or -1 when not served. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }
}
