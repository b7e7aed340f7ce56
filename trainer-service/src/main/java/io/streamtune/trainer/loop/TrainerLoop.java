package io.streamtune.trainer.loop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Limits;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.trainer.gate.GateDecision;
import io.streamtune.trainer.gate.PromotionGate;
import io.streamtune.trainer.monitor.TrainerMetrics;
import io.streamtune.trainer.publish.ArtifactCollector;
import io.streamtune.trainer.publish.ModelRecords;
import io.streamtune.trainer.publish.TransactionalPublisher;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.window.TrainingWindow;

/**
 * The trainer's loop, on one thread: poll examples (read_committed), route each to its task's window
 * or to the dead-letter topic, train and gate a challenger when a window is due, and commit every
 * decision, dead letter and consumer position in one Kafka transaction. The same consumer reads each
 * task's {@code <task>.alerts}: a DRIFT record of the monitor makes the task retrain without waiting for
 * {@code retrainEvery} (the services meet only through topics).
 *
 * <p>Two speeds. The head-only challenger is the fast path, trained on this thread when a window is due. A task
 * with {@code finetune.mode} other than none also gets a fine-tuning challenger after every
 * {@code finetune.every}-th head-only attempt ({@link FinetuneCadence}), trained on the single background thread of
 * a {@link BackgroundFinetuner} over the window of that moment while this loop keeps polling and training heads.
 * When it is done, this thread gates it through the same {@link PromotionGate} on the holdout of that moment and
 * publishes it like a head challenger ({@code challengerKind} {@code finetune-<mode>}). A failure is logged and
 * counted; the head path is not affected. After a fine-tune whose weights went to the artifact store, and at start,
 * blobs no retained version references are deleted ({@link ArtifactCollector}).
 *
 * <p>Transient Kafka failures never end it: polls ride out a broker outage, and a transaction that
 * fails is aborted and retried with the same records and offsets on a new producer until it commits
 * ({@link KafkaRetry}). Only fatal failures (fenced by a newer trainer, refused credentials or ACLs)
 * end the loop, with a message that says what to do.
 *
 * <pre>{@code
 * TrainerLoop loop = new TrainerLoop(TrainerLoop.Kafka.of(clients), settings, tasks, parser, "streamtune-trainer-reviews", gate, metrics);
 * loop.bootstrap(() -> closing);   // history, offsets, champions; retries while Kafka is away
 * loop.run(() -> closing);         // until closing
 * loop.close();
 * }</pre>
 */
public final class TrainerLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainerLoop.class);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private final Kafka kafka;
    private final Settings settings;
    private final List<TaskConfig> tasks;
    private final String transactionalId;
    private final PromotionGate gate;
    private final TrainerMetrics metrics;
    private final RecordParser parser;
    /** The slow path (fine-tuning challengers); null when no task fine-tunes. Not owned. */
    private final BackgroundFinetuner finetuner;
    /** Where challengers' large weights go (fine-tuned encoders, CNN packs), or null; collected by the loop. */
    private final ArtifactStore store;

    private final Duration gcMinAge;

    private final Map<String, TaskState> byTopic = new LinkedHashMap<>();
    /** Each task by its alerts topic (absent for a task whose alerts topic does not exist). */
    private final Map<String, TaskState> byAlertsTopic = new HashMap<>();

    private final List<ProducerRecord<byte[], byte[]>> pendingDeadLetters = new ArrayList<>();
    private volatile Consumer<byte[], byte[]> consumer;
    private TransactionalPublisher publisher;
    private Instant lastCommit;

    /**
     * How the loop runs.
     *
     * @param pollTimeout longest wait for examples in one poll
     * @param commitInterval dead letters are committed at least this often
     * @param maxPendingDeadLetters dead letters held before they are committed at once
     * @param minHoldout holdout examples needed before a challenger is trained
     * @param clock the loop's clock (tests move time)
     * @param beforeCommit called with each decision just before its transaction commits (tests inject faults)
     */
    public record Settings(
            Duration pollTimeout,
            Duration commitInterval,
            int maxPendingDeadLetters,
            int minHoldout,
            Clock clock,
            java.util.function.Consumer<ModelEvent> beforeCommit) {}

    /**
     * The Kafka side of the loop: its consumer, its transactional publishers and what the model topics say.
     * {@link #of(KafkaClients)} in production; tests pass a {@code MockConsumer}/{@code MockProducer} pair.
     */
    public interface Kafka {
        /** A consumer with these settings over the client settings. */
        Consumer<byte[], byte[]> consumer(Map<String, Object> overrides);

        /** A new (not yet initialised) transactional publisher. */
        TransactionalPublisher publisher(String transactionalId);

        /** The model history of the tasks ({@link ModelHistory#read}). */
        Map<String, ModelHistory.TaskHistory> history(Set<String> tasks);

        /** The newest readable artifact of a task on the models topic, or null ({@link ModelHistory#latestPublished}). */
        ModelArtifact latestPublished(String task);

        /** The real thing: clients built from the full client settings. */
        static Kafka of(KafkaClients clients) {
            return new Kafka() {
                @Override
                public Consumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
                    return clients.consumer(overrides);
                }

                @Override
                public TransactionalPublisher publisher(String transactionalId) {
                    return new TransactionalPublisher(clients, transactionalId);
                }

                @Override
                public Map<String, ModelHistory.TaskHistory> history(Set<String> tasks) {
                    return ModelHistory.read(clients, tasks, CLIENT_TIMEOUT);
                }

                @Override
                public ModelArtifact latestPublished(String task) {
                    return ModelHistory.latestPublished(clients, task, CLIENT_TIMEOUT);
                }

                @Override
                public boolean hasClientId() {
                    return clients.properties().containsKey(ConsumerConfig.CLIENT_ID_CONFIG);
                }

                @Override
                public Set<String> referencedWeights() {
                    return ArtifactCollector.referenced(clients, CLIENT_TIMEOUT);
                }
            };
        }

        /**
         * The artifact-store URIs every retained version references ({@link ArtifactCollector#referenced}); null when
         * unknown (then nothing is collected).
         */
        default Set<String> referencedWeights() {
            return null;
        }

        /** Whether the client settings name a client id already. */
        default boolean hasClientId() {
            return false;
        }
    }

    /**
     * @param parser validates examples against every configured task (the topic names the task)
     */
    public TrainerLoop(
            Kafka kafka,
            Settings settings,
            List<TaskConfig> tasks,
            RecordParser parser,
            String transactionalId,
            PromotionGate gate,
            TrainerMetrics metrics) {
        this(kafka, settings, tasks, parser, transactionalId, gate, metrics, null, null, null);
    }

    /**
     * As the constructor above, with fine-tuning and the artifact store that the loop collects: at start and after
     * every challenger whose weights went to it (admitted or not), it deletes the blobs that no retained version
     * references and that are older than {@code gcMinAge} ({@link ArtifactCollector}).
     *
     * @param finetuner runs the tasks' fine-tuning challengers in the background (not owned; closed after {@link #run}
     *     returned); null when no task fine-tunes
     * @param store where the learners and the fine-tuner put large weights; null when nothing is stored
     * @param gcMinAge blobs younger than this are kept (a challenger being published); ignored without a store
     */
    public TrainerLoop(
            Kafka kafka,
            Settings settings,
            List<TaskConfig> tasks,
            RecordParser parser,
            String transactionalId,
            PromotionGate gate,
            TrainerMetrics metrics,
            BackgroundFinetuner finetuner,
            ArtifactStore store,
            Duration gcMinAge) {
        this.finetuner = finetuner;
        this.store = store;
        this.gcMinAge = gcMinAge;
        this.kafka = kafka;
        this.settings = settings;
        this.tasks = List.copyOf(tasks);
        this.parser = parser;
        this.transactionalId = transactionalId;
        this.gate = gate;
        this.metrics = metrics;
    }

    /**
     * Fences an older trainer of the same task set, reads the model history, assigns and positions the
     * consumer ({@link OffsetRecovery}) and adopts each task's newest valid version as its champion.
     * Retries while Kafka does not answer.
     *
     * @throws ConfigException when a task's examples topic does not exist
     * @throws InterruptedException when {@code stopped} turns true first
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the trainer for good
     */
    public void bootstrap(BooleanSupplier stopped) throws ConfigException, InterruptedException {
        publisher = KafkaRetry.until(
                "[trainer] registering transactional id " + transactionalId, log, stopped, this::newPublisher);
        Set<String> names = new TreeSet<>(tasks.stream().map(TaskConfig::name).toList());
        Map<String, ModelHistory.TaskHistory> history =
                KafkaRetry.until("[trainer] reading the model history", log, stopped, () -> kafka.history(names));
        consumer = kafka.consumer(consumerOverrides());
        List<TopicPartition> all = new ArrayList<>();
        Map<String, List<TopicPartition>> partitions = new HashMap<>();
        for (TaskConfig t : tasks) {
            String topic = t.topics().examples();
            List<PartitionInfo> infos = KafkaRetry.until(
                    "[" + t.name() + "] looking up " + topic,
                    log,
                    stopped,
                    () -> consumer.partitionsFor(topic, CLIENT_TIMEOUT));
            if (infos == null || infos.isEmpty()) {
                throw new ConfigException(
                        "topic " + topic + " of task " + t.name()
                                + " does not exist (create it with `streamtune topics create` or set trainer.createTopics: true)");
            }
            List<TopicPartition> parts = infos.stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                    .toList();
            partitions.put(t.name(), parts);
            all.addAll(parts);
        }
        List<TopicPartition> alerts = new ArrayList<>();
        for (TaskConfig t : tasks) {
            String topic = t.topics().alerts();
            List<PartitionInfo> infos = KafkaRetry.until(
                    "[" + t.name() + "] looking up " + topic,
                    log,
                    stopped,
                    () -> consumer.partitionsFor(topic, CLIENT_TIMEOUT));
            if (infos == null || infos.isEmpty()) {
                log.warn(
                        "[{}] topic {} does not exist: the monitor's drift records cannot trigger retraining (create it with "
                                + "`streamtune topics create`)",
                        t.name(),
                        topic);
                continue;
            }
            infos.forEach(i -> alerts.add(new TopicPartition(i.topic(), i.partition())));
        }
        all.addAll(alerts);
        consumer.assign(all);
        Map<TopicPartition, Long> begin = KafkaRetry.until(
                "[trainer] reading first offsets", log, stopped, () -> consumer.beginningOffsets(all, CLIENT_TIMEOUT));
        Map<TopicPartition, Long> end = KafkaRetry.until(
                "[trainer] reading end offsets", log, stopped, () -> consumer.endOffsets(all, CLIENT_TIMEOUT));
        Map<TopicPartition, OffsetAndMetadata> committed = KafkaRetry.until(
                "[trainer] reading committed offsets",
                log,
                stopped,
                () -> consumer.committed(new HashSet<>(all), CLIENT_TIMEOUT));
        Instant now = settings.clock().instant();
        for (TaskConfig t : tasks) {
            ModelHistory.TaskHistory h = history.getOrDefault(t.name(), ModelHistory.TaskHistory.empty());
            List<OffsetRecovery.PartitionPlan> plans =
                    OffsetRecovery.plan(t.window(), partitions.get(t.name()), h.publishedEnd(), begin, end, committed);
            for (OffsetRecovery.PartitionPlan p : plans) {
                if (p.deletedBeforeCoverage() > 0) {
                    log.warn(
                            "[{}] {}: {} offsets before {} were deleted by retention before a version covered them",
                            t.name(),
                            p.partition(),
                            p.deletedBeforeCoverage(),
                            p.rangeStart());
                }
                consumer.seek(p.partition(), p.seek());
                log.info(
                        "[{}] {}: reading from {} (next version covers from {}, first-time records from {}, end {})",
                        t.name(),
                        p.partition(),
                        p.seek(),
                        p.rangeStart(),
                        p.routedFrom(),
                        end.get(p.partition()));
            }
            TaskState state = new TaskState(t, plans, h.attemptedEnd(), h.lastVersion(), metrics.task(t.name()), now);
            h.newestFitting(t).ifPresent(a -> state.adopt(a, "newest valid version in the model history"));
            byTopic.put(t.topics().examples(), state);
        }
        for (TopicPartition tp : alerts) {
            OffsetAndMetadata c = committed.get(tp);
            // A drift record committed past is acted on; one the trainer never saw while it was down is not lost.
            long from = c != null ? c.offset() : end.get(tp);
            consumer.seek(tp, from);
        }
        for (TaskConfig t : tasks) {
            byAlertsTopic.put(t.topics().alerts(), byTopic.get(t.topics().examples()));
        }
        lastCommit = now;
        collectGarbage();
    }

    /**
     * Polls, routes, trains and commits until {@code stopped} turns true.
     *
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the trainer for good
     * @throws InterruptedException when interrupted while backing off
     */
    public void run(BooleanSupplier stopped) throws InterruptedException {
        while (!stopped.getAsBoolean()) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(settings.pollTimeout())) {
                    handle(r);
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                if (stopped.getAsBoolean()) {
                    return;
                }
                throw e;
            } catch (RuntimeException e) {
                if (KafkaRetry.classify(e) != KafkaRetry.Kind.TRANSIENT) {
                    throw e;
                }
                log.warn("[trainer] poll failed ({}); retrying", e.toString());
                Thread.sleep(500);
                continue;
            }
            Instant now = settings.clock().instant();
            for (TaskState t : byTopic.values()) {
                t.updateGauges();
                if (!stopped.getAsBoolean() && t.due(now, settings.minHoldout())) {
                    attempt(t, stopped);
                }
                if (!stopped.getAsBoolean() && finetuner != null) {
                    finetuneStep(t, stopped);
                }
            }
            now = settings.clock().instant();
            if (!stopped.getAsBoolean()
                    && !pendingDeadLetters.isEmpty()
                    && (pendingDeadLetters.size() >= settings.maxPendingDeadLetters()
                            || Duration.between(lastCommit, now).compareTo(settings.commitInterval()) >= 0)) {
                commit(List.of(), "dead letters", () -> {}, stopped);
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        TaskState t = byTopic.get(r.topic());
        if (t == null) {
            handleAlert(byAlertsTopic.get(r.topic()), r);
            return;
        }
        int p = r.partition();
        boolean firstTime = t.firstTime(p, r.offset());
        ParseResult<Example> parsed = parser.parseExample(t.name(), r.key(), r.value(), r.headers());
        if (parsed.isOk()) {
            t.accept(parsed.value(), p, r.offset());
            if (firstTime) {
                metrics.consumed(t.name());
            }
        } else if (firstTime) {
            DeadLetter dl = DeadLetter.of(
                    r, parsed.reason(), parsed.message(), null, parser.limits().recordBytes());
            pendingDeadLetters.add(dl.toProducerRecord(t.config().topics().dlq()));
            metrics.rejected(t.name(), parsed.reason());
            log.debug(
                    "[{}] {}-{}@{} to the dead-letter topic: {}", t.name(), r.topic(), p, r.offset(), parsed.message());
        }
    }

    /**
     * A record of {@code <task>.alerts}: surge alerts are for people; a DRIFT record makes the task retrain
     * at its next new example. A record that is not an alert is logged and passed over: the topic is the
     * monitor's, not the trainer's to dead-letter.
     */
    private void handleAlert(TaskState t, ConsumerRecord<byte[], byte[]> r) {
        Alert alert;
        try {
            alert = Alert.parse(r.value());
        } catch (java.io.IOException | RuntimeException e) {
            log.warn(
                    "[{}] {}-{}@{} is not an alert record ({}); passed over",
                    t.name(),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
            return;
        }
        if (alert.isDriftRecord() && t.name().equals(alert.task())) {
            t.driftDetected(alert);
        } else if (alert.isDriftRecord()) {
            log.warn(
                    "[{}] {}-{}@{} is a drift record of task '{}'; passed over",
                    t.name(),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    alert.task());
        }
    }

    /**
     * Another writer (an operator's {@code streamtune models rollback}) may have published a newer
     * version since this trainer last did: it becomes the champion and the next version follows it, so
     * version numbers never collide or go backwards. Kafka not answering only delays the news.
     */
    private void adoptExternalVersion(TaskState t) {
        ModelArtifact latest;
        try {
            latest = kafka.latestPublished(t.name());
        } catch (RuntimeException e) {
            if (KafkaRetry.classify(e) == KafkaRetry.Kind.FATAL) {
                throw e;
            }
            log.warn(
                    "[{}] cannot read {} before training ({}); going on with v{} as the champion",
                    t.name(),
                    io.streamtune.common.topic.TaskTopics.MODELS,
                    e.toString(),
                    t.lastVersion());
            return;
        }
        if (latest != null && latest.meta().version() > t.lastVersion()) {
            t.adopt(
                    latest,
                    "published by another writer: "
                            + (latest.meta().note() == null
                                    ? "no note"
                                    : latest.meta().note()));
        }
    }

    private void attempt(TaskState t, BooleanSupplier stopped) throws InterruptedException {
        Map<Integer, Long> positions =
                KafkaRetry.until("[" + t.name() + "] reading positions", log, stopped, () -> positions(t));
        if (!t.refilled(positions)) {
            // After a restart the window is refilled from before the range start; a challenger trained before
            // that is done would be trained and gated on part of the window. Stays due: asked again after the next
            // poll.
            return;
        }
        TrainingWindow w = t.snapshot(positions, settings.clock().instant());
        adoptExternalVersion(t);
        long version = t.nextVersion();
        Long parent = t.lastVersion() == 0 ? null : t.lastVersion();
        log.info(
                "[{} v{}] training a challenger on {} examples ({} new since the last attempt; trigger {}), holdout {}",
                t.name(),
                version,
                w.training().size(),
                w.newExamples(),
                w.trigger(),
                w.holdout().size());
        GateDecision d;
        try {
            d = gate.judge(t.config(), t.champion(), version, parent, w);
        } catch (RuntimeException | ArtifactException e) {
            // A training failure is this task's problem, not the service's: count it and wait for new examples.
            log.error(
                    "[{} v{}] training failed; retrying after the next window: {}", t.name(), version, e.toString(), e);
            metrics.trained(t.name(), TrainerMetrics.FAILED, 0);
            t.failed(settings.clock().instant(), positions);
            t.headAttempted();
            return;
        }
        if (stopped.getAsBoolean()) {
            log.info(
                    "[{} v{}] shutting down: the challenger is abandoned, its examples stay uncommitted",
                    t.name(),
                    version);
            return;
        }
        t.headAttempted();
        if (!commitDecision(t, d, w, stopped)) {
            t.failed(settings.clock().instant(), positions);
            return;
        }
        t.decided(settings.clock().instant(), d, w, positions);
        logDecision(t, d, w, parent);
        collectGarbageAfter(d.challenger().backbone());
    }

    /**
     * Publishes a gated decision: the artifact (when admitted) and its audit event, with pending dead letters and every
     * position, in one transaction. Returns false (and counts a failure) when the artifact is too large for a record.
     */
    private boolean commitDecision(TaskState t, GateDecision d, TrainingWindow w, BooleanSupplier stopped)
            throws InterruptedException {
        long version = d.challenger().meta().version();
        if (d.admitted() && d.challenger().sizeBytes() > Limits.MODEL_BYTES) {
            log.error(
                    "[{} v{}] the artifact has {} bytes, over the {} a model record may have; not published (weights this "
                            + "large belong in the artifact store: lower artifacts.inlineMaxBytes)",
                    t.name(),
                    version,
                    d.challenger().sizeBytes(),
                    Limits.MODEL_BYTES);
            metrics.trained(t.name(), TrainerMetrics.FAILED, d.trainingMillis());
            return false;
        }
        ModelEvent event = d.toEvent(w, settings.clock().millis());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        if (d.admitted()) {
            records.add(ModelRecords.model(d.challenger()));
        }
        records.add(ModelRecords.event(event));
        commit(
                records,
                "v" + version + " " + event.decision(),
                () -> settings.beforeCommit().accept(event),
                stopped);
        return true;
    }

    private void logDecision(TaskState t, GateDecision d, TrainingWindow w, Long parent) {
        long version = d.challenger().meta().version();
        if (d.admitted()) {
            metrics.trained(t.name(), TrainerMetrics.PUBLISHED, d.trainingMillis());
            log.info(
                    "[{} v{}] published (parent {}, {} challenger on {}): {}; trained on {} examples, covers {} new in {}",
                    t.name(),
                    version,
                    parent,
                    d.challengerKind(),
                    d.device(),
                    d.reason(),
                    w.training().size(),
                    w.coveredExamples(),
                    w.ranges());
        } else {
            metrics.trained(t.name(), TrainerMetrics.REJECTED, d.trainingMillis());
            log.warn(
                    "[{} v{}] rejected ({} challenger), champion v{} stays: {}",
                    t.name(),
                    version,
                    d.challengerKind(),
                    parent,
                    d.reason());
        }
    }

    /**
     * The slow path of one task, after every poll: gates a finished fine-tuning challenger, or starts one when the
     * cadence says so and the background thread is free (one run at a time across tasks; a task that must wait
     * stays due).
     */
    private void finetuneStep(TaskState t, BooleanSupplier stopped) throws InterruptedException {
        BackgroundFinetuner.Run run = t.finetune();
        if (run != null) {
            if (run.isDone()) {
                finishFinetune(t, run, stopped);
            }
            return;
        }
        if (!t.finetuneDue() || finetuner.busy()) {
            return;
        }
        Map<Integer, Long> positions =
                KafkaRetry.until("[" + t.name() + "] reading positions", log, stopped, () -> positions(t));
        TrainingWindow w = t.snapshot(positions, settings.clock().instant());
        try {
            t.finetuneStarted(finetuner.start(t.config(), t.champion(), w.training()));
        } catch (ArtifactException | RuntimeException e) {
            log.error(
                    "[{}] cannot start a fine-tuning challenger (tasks ({}).finetune.mode {}): {}; the head-only "
                            + "path carries on",
                    t.name(),
                    t.name(),
                    wire(t),
                    e.toString(),
                    e);
            metrics.trained(t.name(), TrainerMetrics.FAILED, 0);
            t.finetuneNotStarted();
        }
    }

    /**
     * Gates a finished fine-tuning challenger on the loop thread, on the holdout of this moment, through the same gate
     * as a head challenger, and publishes it like one ({@code challengerKind} {@code finetune-<mode>}).
     */
    private void finishFinetune(TaskState t, BackgroundFinetuner.Run run, BooleanSupplier stopped)
            throws InterruptedException {
        t.finetuneEnded();
        long elapsedMillis = (System.nanoTime() - run.startNanos()) / 1_000_000;
        Challenger c;
        try {
            c = run.challenger();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (cause instanceof java.util.concurrent.CancellationException) {
                log.info("[{}] fine-tuning challenger cancelled", t.name());
                return;
            }
            log.error(
                    "[{}] fine-tuning challenger failed after {} ms (tasks ({}).finetune.mode {}, encoder {}): {}; "
                            + "the head-only path carries on",
                    t.name(),
                    elapsedMillis,
                    t.name(),
                    wire(t),
                    t.config().encoder(),
                    cause.toString(),
                    cause);
            metrics.trained(t.name(), TrainerMetrics.FAILED, elapsedMillis);
            return;
        }
        Map<Integer, Long> positions =
                KafkaRetry.until("[" + t.name() + "] reading positions", log, stopped, () -> positions(t));
        TrainingWindow current = t.snapshot(positions, settings.clock().instant());
        TrainingWindow w = new TrainingWindow(
                run.examples(),
                current.holdout(),
                current.ranges(),
                current.newExamples(),
                "finetune (every " + t.config().finetune().every() + " head-only attempts)");
        adoptExternalVersion(t);
        long version = t.nextVersion();
        Long parent = t.lastVersion() == 0 ? null : t.lastVersion();
        GateDecision d;
        try {
            d = gate.judge(t.config(), t.champion(), version, parent, w, c, run.startNanos());
        } catch (RuntimeException | ArtifactException e) {
            log.error(
                    "[{} v{}] the fine-tuning challenger cannot be gated (tasks ({}).finetune.mode {}): {}",
                    t.name(),
                    version,
                    t.name(),
                    wire(t),
                    e.toString(),
                    e);
            metrics.trained(t.name(), TrainerMetrics.FAILED, elapsedMillis);
            return;
        }
        if (stopped.getAsBoolean()) {
            log.info("[{} v{}] shutting down: the fine-tuning challenger is abandoned", t.name(), version);
            return;
        }
        if (commitDecision(t, d, w, stopped)) {
            t.finetuneDecided(settings.clock().instant(), d, w, positions);
            logDecision(t, d, w, parent);
        }
        collectGarbageAfter(c.backbone());
    }

    private static String wire(TaskState t) {
        return t.config().finetune().mode().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@link #collectGarbage()} when {@code challenger}'s weights went to the store (a rejected one's are garbage). */
    private void collectGarbageAfter(BackboneRef challenger) {
        if (challenger.weights() != null && !challenger.weights().isInline()) {
            collectGarbage();
        }
    }

    /**
     * Deletes artifact-store blobs no retained version references ({@link ArtifactCollector}); at start and after a
     * challenger whose weights went to the store. A failure only postpones it.
     */
    private void collectGarbage() {
        if (store == null) {
            return;
        }
        try {
            Set<String> referenced = kafka.referencedWeights();
            if (referenced == null) {
                return;
            }
            int deleted = ArtifactCollector.collect(store, referenced, gcMinAge);
            metrics.artifactsDeleted(deleted);
            log.info(
                    "[trainer] artifact store {}: {} blobs referenced by retained versions, {} unreferenced deleted",
                    store,
                    referenced.size(),
                    deleted);
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof RuntimeException re && KafkaRetry.classify(re) == KafkaRetry.Kind.FATAL) {
                throw re;
            }
            log.warn("[trainer] artifact store {} not collected this time: {}", store, e.toString());
        }
    }

    private Map<Integer, Long> positions(TaskState t) {
        Map<Integer, Long> positions = new TreeMap<>();
        for (TopicPartition tp : t.partitions()) {
            positions.put(tp.partition(), consumer.position(tp, CLIENT_TIMEOUT));
        }
        return positions;
    }

    /**
     * Commits records, pending dead letters and every partition's position in one transaction; a
     * transient failure aborts it and retries the same records and offsets on a new producer.
     */
    private void commit(
            List<ProducerRecord<byte[], byte[]>> records, String what, Runnable beforeCommit, BooleanSupplier stopped)
            throws InterruptedException {
        List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>(records);
        all.addAll(pendingDeadLetters);
        Map<TopicPartition, OffsetAndMetadata> offsets =
                KafkaRetry.until("[trainer] reading positions", log, stopped, () -> {
                    Map<TopicPartition, OffsetAndMetadata> o = new HashMap<>();
                    for (TopicPartition tp : consumer.assignment()) {
                        o.put(tp, new OffsetAndMetadata(consumer.position(tp, CLIENT_TIMEOUT)));
                    }
                    return o;
                });
        KafkaRetry.until("[trainer] committing " + what, log, stopped, () -> {
            if (publisher == null) {
                publisher = newPublisher();
            }
            try {
                publisher.commit(all, offsets, consumer.groupMetadata(), beforeCommit);
                return null;
            } catch (TransactionalPublisher.PublishException e) {
                if (e.fatal()) {
                    throw new KafkaRetry.FatalKafkaException(e.getMessage() + ". " + KafkaRetry.advice(e), e);
                }
                // Nothing of the transaction is visible; a new producer (same id) takes it up again.
                publisher.closeAbruptly();
                publisher = null;
                throw e;
            }
        });
        log.debug("[trainer] committed {} with {} dead letters", what, pendingDeadLetters.size());
        pendingDeadLetters.clear();
        lastCommit = settings.clock().instant();
    }

    private TransactionalPublisher newPublisher() {
        TransactionalPublisher p = kafka.publisher(transactionalId);
        try {
            p.init();
            return p;
        } catch (RuntimeException e) {
            p.closeAbruptly();
            throw e;
        }
    }

    private Map<String, Object> consumerOverrides() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, transactionalId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        if (!kafka.hasClientId()) {
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId);
        }
        return p;
    }

    /** Wakes a poll in progress (from another thread), so that a stop takes effect at once. */
    public void wakeup() {
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** The tasks' states, for health and gauges. */
    public Map<String, TaskState> tasks() {
        Map<String, TaskState> out = new TreeMap<>();
        byTopic.values().forEach(t -> out.put(t.name(), t));
        return out;
    }

    /**
     * Commits pending dead letters (best effort: on failure the next start routes them again), aborts an
     * open transaction and closes the clients. Call it on the loop thread after {@link #run} returned.
     */
    @Override
    public void close() {
        if (!pendingDeadLetters.isEmpty() && publisher != null && consumer != null) {
            try {
                commit(List.of(), "dead letters at shutdown", () -> {}, () -> true);
            } catch (InterruptedException | RuntimeException e) {
                log.warn(
                        "[trainer] dead letters not committed at shutdown; the next start routes them again: {}",
                        e.toString());
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
    }
}
