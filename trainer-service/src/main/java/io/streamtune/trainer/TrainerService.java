package io.streamtune.trainer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.metrics.MetricsServer;
import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.nlp.CachingTextEncoder;
import io.streamtune.common.nlp.EmbeddingCache;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.common.topic.TopicLayout;
import io.streamtune.trainer.gate.GateDecision;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.gate.TaskModelLearner;
import io.streamtune.trainer.publish.ModelHistory;
import io.streamtune.trainer.publish.ModelRecords;
import io.streamtune.trainer.publish.TransactionalPublisher;
import io.streamtune.trainer.training.ClassWeighting;
import io.streamtune.trainer.training.TrainingOptions;
import io.streamtune.trainer.window.TaskWindow;
import io.streamtune.trainer.window.TrainingWindow;

/**
 * The trainer: consumes {@code <task>.examples} (read_committed), keeps a training window per
 * task, trains a challenger when the window policy says so, gates it against the champion on
 * the same holdout and publishes it with the consumed offsets in one transaction.
 *
 * <pre>{@code
 * try (TrainerService trainer = new TrainerService(config, TrainerOptions.defaults())) {
 *     trainer.start();          // reads the model history, rebuilds windows, starts the loop
 *     trainer.awaitTermination();
 * }
 * }</pre>
 *
 * <h2>Restart</h2>
 * At start the trainer reads {@code streamtune.models} and {@code streamtune.model-events} and
 * seeks each partition back far enough to refill the training window and the holdout, and at
 * least to where the champion's window ended, so the next version's ranges join the champion's
 * and no committed example is skipped. Dead letters are written only for records at or after
 * the committed offset (earlier ones were routed by a committed transaction).
 *
 * <h2>What the committed offsets mean</h2>
 * Every transaction commits the consumer's positions: a model version with its audit event, a
 * rejection with its audit event, or (after {@code trainer.commitInterval}) just pending dead
 * letters. The committed offset therefore says how far records have been read and routed; which
 * examples a version covers is recorded in the version itself ({@code window}), and a restart
 * re-reads from the last published window's end, so an example consumed but not yet in a
 * version is never lost by a commit.
 *
 * <h2>Threads</h2>
 * One loop thread polls, trains and publishes; {@link #close()} (also from a shutdown hook)
 * wakes it, lets a training in progress finish and abandons its result, aborts an open
 * transaction and closes the clients.
 */
public final class TrainerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainerService.class);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private final StreamtuneConfig config;
    private final TrainerOptions options;
    private final TrainerSettings settings;
    private final List<TaskConfig> tasks;
    private final String transactionalId;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TrainerMetrics metrics = new TrainerMetrics(registry);
    private final RecordParser parser;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final Map<String, TaskRuntime> byTopic = new LinkedHashMap<>();
    private final Map<String, TextEncoder> openedEncoders = new HashMap<>();
    private final List<ProducerRecord<byte[], byte[]>> pendingDeadLetters = new ArrayList<>();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private TransactionalPublisher publisher;
    private MetricsServer metricsServer;
    private Thread loop;
    private Instant lastCommit;
    private volatile boolean closing;
    private volatile boolean running;
    private volatile Throwable failure;

    /**
     * Validates the configuration and the trainer's settings; opens nothing yet.
     *
     * @throws ConfigException naming every bad key, an unknown or non-text task
     */
    public TrainerService(StreamtuneConfig config, TrainerOptions options) throws ConfigException {
        this.config = config;
        this.options = options;
        this.settings = TrainerSettings.from(config);
        List<String> problems = new ArrayList<>();
        List<TaskConfig> selected = new ArrayList<>();
        Set<String> wanted = options.tasks() == null || options.tasks().isEmpty() ? config.tasks().keySet() : options.tasks();
        for (String name : new TreeSet<>(wanted)) {
            TaskConfig t = config.tasks().get(name);
            if (t == null) {
                problems.add("task '" + name + "' is not configured (configured: " + config.tasks().keySet() + ")");
            } else if (t.modality() != Modality.TEXT) {
                problems.add("tasks (" + name + ").modality: the trainer trains text tasks only, got " + t.modality());
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
        this.parser = RecordParser.of(config);
        String names = String.join("+", tasks.stream().map(TaskConfig::name).toList());
        this.transactionalId = "streamtune-trainer-" + (settings.instanceId().isEmpty() ? "" : settings.instanceId() + "-") + names;
    }

    /**
     * Fences an older trainer of the same task set, reads the model history, opens encoders,
     * rebuilds each window's position and starts the loop thread.
     */
    public synchronized void start() throws EncoderException, ConfigException {
        if (loop != null) {
            throw new IllegalStateException("already started");
        }
        Properties base = config.kafkaProperties();
        warnOverrides(base);
        if (settings.createTopics()) {
            ensureTopics(base);
        }
        publisher = new TransactionalPublisher(base, transactionalId);
        publisher.init();
        Set<String> names = new TreeSet<>(tasks.stream().map(TaskConfig::name).toList());
        Map<String, ModelHistory.TaskHistory> history = ModelHistory.read(base, names, CLIENT_TIMEOUT);

        consumer = new KafkaConsumer<>(consumerProperties(base));
        List<TopicPartition> all = new ArrayList<>();
        for (TaskConfig t : tasks) {
            List<PartitionInfo> infos = consumer.partitionsFor(t.topics().examples(), CLIENT_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                throw new ConfigException("topic " + t.topics().examples() + " of task " + t.name()
                        + " does not exist (create it with `streamtune topics create` or set trainer.createTopics: true)");
            }
            infos.forEach(i -> all.add(new TopicPartition(i.topic(), i.partition())));
        }
        consumer.assign(all);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(all, CLIENT_TIMEOUT);
        Map<TopicPartition, Long> end = consumer.endOffsets(all, CLIENT_TIMEOUT);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(all), CLIENT_TIMEOUT);
        Instant now = options.clock().instant();
        for (TaskConfig t : tasks) {
            ModelHistory.TaskHistory h = history.getOrDefault(t.name(), ModelHistory.TaskHistory.empty());
            runtime(t, h, begin, end, committed, now);
        }
        lastCommit = now;
        int port = options.metricsPort() != null ? options.metricsPort() : settings.metricsPort();
        if (port >= 0) {
            metricsServer = MetricsServer.start(port, registry, this::health);
            log.info("[trainer] metrics on :{}/metrics, health on /health", metricsServer.port());
        }
        running = true;
        loop = new Thread(this::run, "streamtune-trainer");
        loop.start();
        log.info("[trainer] {} started for tasks {}", transactionalId, names);
    }

    private void runtime(TaskConfig t, ModelHistory.TaskHistory h, Map<TopicPartition, Long> begin,
                         Map<TopicPartition, Long> end, Map<TopicPartition, OffsetAndMetadata> committed, Instant now)
            throws EncoderException {
        TextEncoder shared = openedEncoders.get(t.encoder() + "@" + t.maxSequenceLength());
        if (shared == null) {
            shared = options.encoders().open(t.encoder(), t.maxSequenceLength());
            openedEncoders.put(t.encoder() + "@" + t.maxSequenceLength(), shared);
        }
        int needed = t.window().size() + TaskWindow.holdoutCapacity(t.window());
        if (settings.encoderCacheSize() < needed) {
            log.warn("[{}] trainer.encoderCacheSize {} is below window.size + holdout {}: every training re-encodes part of the window",
                    t.name(), settings.encoderCacheSize(), needed);
        }
        TextEncoder encoder = CachingTextEncoder.wrapping(shared, new EmbeddingCache(settings.encoderCacheSize()));
        TrainingOptions training = new TrainingOptions(t.head().kind(), t.head().hiddenUnits(), t.head().maxEpochs(),
                t.head().batchSize(), t.head().learningRate(), settings.validationFraction(), t.head().patience(),
                t.head().seed(), t.head().device());
        PromotionGate gate = new PromotionGate(new TaskModelLearner(encoder, training,
                ClassWeighting.valueOf(t.head().classWeights().toUpperCase(java.util.Locale.ROOT))), options.clock());
        TaskWindow window = new TaskWindow(t.topics().examples(), t.window(), now);

        Map<Integer, Long> rangeStart = new TreeMap<>();
        Map<Integer, Long> routedFrom = new TreeMap<>();
        List<TopicPartition> parts = new ArrayList<>();
        // Enough offsets to refill the training set and the holdout: window.size examples outside the
        // holdout arrive among about size * 100 / (100 - holdoutPercent) records.
        long lookback = (long) Math.ceil(t.window().size() * 100.0 / (100 - t.window().holdoutPercent()))
                + TaskWindow.holdoutCapacity(t.window());
        for (TopicPartition tp : consumer.assignment()) {
            if (!tp.topic().equals(t.topics().examples())) {
                continue;
            }
            parts.add(tp);
            long first = begin.get(tp);
            long start = h.publishedEnd().containsKey(tp.partition()) ? h.publishedEnd().get(tp.partition()) + 1 : first;
            if (start < first) {
                log.warn("[{}] {} offsets {}..{} were deleted by retention before a version covered them", t.name(), tp, start, first - 1);
                start = first;
            }
            OffsetAndMetadata c = committed.get(tp);
            long routed = c == null ? start : Math.max(c.offset(), start);
            long seek = Math.max(first, Math.min(start, end.get(tp) - lookback));
            consumer.seek(tp, seek);
            window.startRange(tp.partition(), start);
            rangeStart.put(tp.partition(), start);
            routedFrom.put(tp.partition(), routed);
            log.info("[{}] {}: reading from {} (next version covers from {}, first-time records from {}, end {})", t.name(), tp,
                    seek, start, routed, end.get(tp));
        }
        TaskRuntime rt = new TaskRuntime(t, List.copyOf(parts), window, gate, encoder, metrics.task(t.name()), rangeStart,
                new TreeMap<>(h.attemptedEnd()), routedFrom);
        rt.lastVersion = h.lastVersion();
        rt.gauges.championVersion = h.lastVersion();
        if (h.champion() != null) {
            try {
                ArtifactChecks.checkCompatible(h.champion(), t.name(), t.labels(), encoder);
                rt.champion = h.champion();
            } catch (ArtifactException e) {
                log.warn("[{} v{}] the champion does not fit the configured task ({}); challengers are gated on the floor only",
                        t.name(), h.champion().meta().version(), e.getMessage());
            }
            log.info("[{} v{}] champion found (macro-F1 {})", t.name(), h.lastVersion(),
                    h.champion().meta().metrics() == null ? "n/a" : h.champion().meta().metrics().macroF1());
        }
        byTopic.put(t.topics().examples(), rt);
    }

    private void run() {
        try {
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(settings.pollTimeout())) {
                    handle(r);
                }
                Instant now = options.clock().instant();
                for (TaskRuntime t : byTopic.values()) {
                    updateGauges(t);
                    if (!closing && t.window.due(now, settings.minHoldout())) {
                        attempt(t);
                    }
                }
                now = options.clock().instant();
                if (!closing && !pendingDeadLetters.isEmpty() && (pendingDeadLetters.size() >= settings.maxPendingDeadLetters()
                        || Duration.between(lastCommit, now).compareTo(settings.commitInterval()) >= 0)) {
                    commit(List.of(), "dead letters");
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                failure = e;
            }
        } catch (Throwable e) {
            failure = e;
            log.error("[trainer] {} stops: {}. Restart it: it rebuilds its windows from the topics, nothing committed is lost",
                    transactionalId, e.toString(), e);
        } finally {
            running = false;
            shutdownClients();
            stopped.countDown();
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        TaskRuntime t = byTopic.get(r.topic());
        int p = r.partition();
        boolean firstTime = r.offset() >= t.routedFrom.get(p);
        boolean inRange = r.offset() >= t.rangeStart.get(p);
        ParseResult<Example> parsed = parser.parseExample(t.name(), r.key(), r.value(), r.headers());
        if (parsed.isOk()) {
            boolean isNew = inRange && r.offset() > t.attemptedEnd.getOrDefault(p, -1L);
            t.window.add(parsed.value(), p, inRange, isNew);
            if (firstTime) {
                metrics.consumed(t.name());
            }
        } else if (firstTime) {
            DeadLetter dl = DeadLetter.of(r, parsed.reason(), parsed.message(), null, parser.limits().recordBytes());
            pendingDeadLetters.add(dl.toProducerRecord(t.config.topics().dlq()));
            metrics.rejected(t.name(), parsed.reason());
            log.debug("[{}] {}-{}@{} to the dead-letter topic: {}", t.name(), r.topic(), p, r.offset(), parsed.message());
        }
    }

    /**
     * Another writer (an operator's {@code streamtune models rollback}) may have published a newer
     * version since this trainer last did: it becomes the champion and the next version follows it,
     * so version numbers never collide or go backwards.
     */
    private void adoptExternalVersion(TaskRuntime t) {
        ModelArtifact latest = ModelHistory.latestPublished(config.kafkaProperties(), t.name(), CLIENT_TIMEOUT);
        if (latest == null || latest.meta().version() <= t.lastVersion) {
            return;
        }
        log.info("[{} v{}] published by another writer ({}); it is the champion now", t.name(), latest.meta().version(),
                latest.meta().note() == null ? "no note" : latest.meta().note());
        t.lastVersion = latest.meta().version();
        t.gauges.championVersion = latest.meta().version();
        try {
            ArtifactChecks.checkCompatible(latest, t.name(), t.config.labels(), t.encoder);
            t.champion = latest;
        } catch (ArtifactException e) {
            log.warn("[{} v{}] does not fit the configured task ({}); challengers are gated on the floor only",
                    t.name(), latest.meta().version(), e.getMessage());
            t.champion = null;
        }
    }

    private void attempt(TaskRuntime t) {
        Map<Integer, Long> positions = new TreeMap<>();
        for (TopicPartition tp : t.partitions) {
            positions.put(tp.partition(), consumer.position(tp, CLIENT_TIMEOUT));
        }
        TrainingWindow w = t.window.snapshot(positions);
        adoptExternalVersion(t);
        long version = t.lastVersion + 1;
        Long parent = t.lastVersion == 0 ? null : t.lastVersion;
        log.info("[{} v{}] training a challenger on {} examples ({} new since the last attempt), holdout {}", t.name(), version,
                w.training().size(), w.newExamples(), w.holdout().size());
        GateDecision d;
        try {
            d = t.gate.judge(t.config, t.champion, version, parent, w);
        } catch (RuntimeException | ArtifactException e) {
            // A training failure is this task's problem, not the service's: count it and wait for new examples.
            log.error("[{} v{}] training failed; retrying after the next window: {}", t.name(), version, e.toString(), e);
            metrics.trained(t.name(), TrainerMetrics.FAILED, 0);
            t.window.attempted(options.clock().instant(), false, positions);
            return;
        }
        if (closing) {
            log.info("[{} v{}] shutting down: the challenger is abandoned, its examples stay uncommitted", t.name(), version);
            return;
        }
        ModelEvent event = d.toEvent(w, options.clock().millis());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        if (d.admitted()) {
            records.add(ModelRecords.model(d.challenger()));
        }
        records.add(ModelRecords.event(event));
        commit(records, "v" + version + " " + event.decision(), () -> options.beforeCommit().accept(event));
        t.window.attempted(options.clock().instant(), d.admitted(), positions);
        w.ranges().forEach(r -> t.attemptedEnd.merge(r.partition(), r.toOffset(), Math::max));
        t.gauges.challengerMacroF1 = d.challengerMetrics().macroF1();
        t.gauges.championMacroF1 = d.championMetrics() == null ? Double.NaN : d.championMetrics().macroF1();
        if (d.admitted()) {
            t.champion = d.challenger();
            t.lastVersion = version;
            t.gauges.championVersion = version;
            metrics.trained(t.name(), TrainerMetrics.PUBLISHED, d.trainingMillis());
            log.info("[{} v{}] published (parent {}): {}; covers {} examples in {}", t.name(), version, parent, d.reason(),
                    w.coveredExamples(), w.ranges());
        } else {
            metrics.trained(t.name(), TrainerMetrics.REJECTED, d.trainingMillis());
            log.warn("[{} v{}] rejected, champion v{} stays: {}", t.name(), version, parent, d.reason());
        }
    }

    private void commit(List<ProducerRecord<byte[], byte[]>> records, String what) {
        commit(records, what, () -> { });
    }

    /** Commits records, pending dead letters and every partition's position in one transaction. */
    private void commit(List<ProducerRecord<byte[], byte[]>> records, String what, Runnable beforeCommit) {
        List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>(records);
        all.addAll(pendingDeadLetters);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            offsets.put(tp, new OffsetAndMetadata(consumer.position(tp, CLIENT_TIMEOUT)));
        }
        publisher.commit(all, offsets, consumer.groupMetadata(), beforeCommit);
        log.debug("[trainer] committed {} with {} dead letters", what, pendingDeadLetters.size());
        pendingDeadLetters.clear();
        lastCommit = options.clock().instant();
    }

    private void updateGauges(TaskRuntime t) {
        t.gauges.windowExamples = t.window.trainingSize();
        t.gauges.holdoutExamples = t.window.holdoutSize();
        t.gauges.windowFill = t.window.fill();
    }

    private void shutdownClients() {
        if (failure == null && !pendingDeadLetters.isEmpty() && publisher != null && consumer != null) {
            try {
                commit(List.of(), "dead letters at shutdown");
            } catch (RuntimeException e) {
                log.warn("[trainer] dead letters not committed at shutdown; the next start routes them again: {}", e.toString());
            }
        }
        if (publisher != null) {
            publisher.close(CLIENT_TIMEOUT);
            publisher = null;
        }
        if (consumer != null) {
            consumer.close(CLIENT_TIMEOUT);
            consumer = null;
        }
        for (TaskRuntime t : byTopic.values()) {
            t.encoder.close();
        }
        openedEncoders.values().forEach(TextEncoder::close);
        openedEncoders.clear();
    }

    private Map<String, Object> health() {
        Map<String, Object> tasksHealth = new TreeMap<>();
        for (TaskRuntime t : byTopic.values()) {
            tasksHealth.put(t.name(), Map.of("championVersion", t.gauges.championVersion,
                    "windowExamples", t.gauges.windowExamples, "holdoutExamples", t.gauges.holdoutExamples));
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", running ? "UP" : "DOWN");
        h.put("service", "trainer");
        h.put("transactionalId", transactionalId);
        if (failure != null) {
            h.put("error", failure.toString());
        }
        h.put("tasks", tasksHealth);
        return h;
    }

    private void ensureTopics(Properties base) {
        try (Admin admin = Admin.create(base)) {
            List<String> created = TopicAdmin.ensure(admin, TopicLayout.forConfig(config));
            if (!created.isEmpty()) {
                log.info("[trainer] created topics {}", created);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the topics of the layout: " + e.getMessage(), e);
        }
    }

    private Properties consumerProperties(Properties base) {
        Properties p = new Properties();
        p.putAll(base);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, transactionalId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId);
        return p;
    }

    private static void warnOverrides(Properties base) {
        for (String key : List.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.GROUP_ID_CONFIG, "transactional.id", "enable.idempotence", "acks")) {
            if (base.containsKey(key)) {
                log.warn("[trainer] kafka.{} = {} is ignored: the trainer sets it itself (read_committed, transactions)", key, base.get(key));
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
     * transaction is aborted, pending dead letters are committed, clients and encoders closed.
     */
    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = loop;
        }
        if (t != null) {
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
            try {
                if (!stopped.await(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("[trainer] the loop did not stop within {}; leaving it (its transaction is aborted when a restart fences it)",
                            settings.closeTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            // start() never ran or failed part-way: release what it opened.
            shutdownClients();
        }
        if (metricsServer != null) {
            metricsServer.close();
            metricsServer = null;
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

    /** Champion version per task as last published or found (0: none). */
    public Map<String, Long> championVersions() {
        Map<String, Long> out = new TreeMap<>();
        byTopic.values().forEach(t -> out.put(t.name(), t.gauges.championVersion));
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
