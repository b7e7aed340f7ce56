package io.streamtune.cli.demo;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.files.JsonlExamples;
import io.streamtune.cli.text.AlertLine;
import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicAdmin;

/**
 * The one-command run: an embedded broker (unless one is given), the trainer, the scorer and the
 * monitor in this JVM, a feed of labelled examples, live events and some malformed records, and a
 * live view of what happens. The synthetic finance feed names one of {@link #COMPANIES} per record
 * ({@code attrs.entity}), scripts a negative surge on {@link #SURGE_ENTITY} ({@link SurgeScript}: after
 * a baseline of live predictions, in time to clear, and only when the run is long enough for that) and
 * sends the label of 30% of finance events late, for live accuracy. It ends after {@code duration}
 * (or when the replayed file is used up), lets the scorer drain, waits for the monitor to decide the
 * surge's last windows, and returns a report that counts lost and duplicated predictions and the
 * alerts seen.
 */
public final class DemoRun {
    /**
     * What to run. {@code bootstrap} null starts an embedded broker; {@code fromFile} null uses the synthetic feed.
     * {@code ratePerSecond} is the text tasks' records per second; the image task ({@link DemoImages}, none with
     * {@code fromFile} or {@link DemoImages.Choice#OFF}) sends {@code imageRatePerSecond} more, from
     * {@code fashionMnist} or generated.
     */
    public record Options(
            Duration duration,
            double ratePerSecond,
            Path fromFile,
            String bootstrap,
            int retrainEvery,
            long seed,
            double malformedShare,
            Duration drainTimeout,
            DemoImages.Choice images,
            Path fashionMnist,
            double imageRatePerSecond) {
        /** Where {@code streamtune demo} looks for Fashion-MNIST by default: the evaluation data beside a checkout. */
        public static final Path FASHION_MNIST = Path.of("..", "shared", "data", "fashion_mnist");

        public Options {
            if (images != DemoImages.Choice.OFF && !(imageRatePerSecond > 0)) {
                throw new IllegalArgumentException(
                        "--image-rate must be above 0, got " + imageRatePerSecond + " (--images off: no image task)");
            }
        }

        /** The text tasks only (no image task): the runs and simulations written before the image task. */
        public Options(
                Duration duration,
                double ratePerSecond,
                Path fromFile,
                String bootstrap,
                int retrainEvery,
                long seed,
                double malformedShare,
                Duration drainTimeout) {
            this(
                    duration,
                    ratePerSecond,
                    fromFile,
                    bootstrap,
                    retrainEvery,
                    seed,
                    malformedShare,
                    drainTimeout,
                    DemoImages.Choice.OFF,
                    null,
                    0);
        }

        public static Options defaults(Duration duration) {
            return new Options(
                    duration,
                    30,
                    null,
                    null,
                    150,
                    7,
                    0.02,
                    Duration.ofSeconds(90),
                    DemoImages.Choice.AUTO,
                    FASHION_MNIST,
                    8);
        }
    }

    /**
     * The last line of {@code streamtune demo}. Monitoring: {@code alertsRaised}/{@code alertsCleared} count the
     * surge alerts of every entity on {@code finance.alerts}; {@code alertDelaySeconds} is from the scripted
     * surge's first event to the moment the RAISED alert for the surging entity was read (read_committed), or -1;
     * {@code liveAccuracyByVersion} is the newest live-metrics accuracy per {@code task:vN} (late labels).
     * Per task: {@code predictionsByTask}; {@code accuracyByTask}, the share of them that name the feed's label;
     * {@code firstLiveSeconds}, from the start of the feed to the first prediction read (its first version live;
     * absent: never). {@code imageSource}: {@code fashion-mnist}, {@code shapes}, or null without an image task.
     */
    public record Report(
            long eventsProduced,
            long examplesProduced,
            long malformedProduced,
            long predictions,
            long duplicates,
            long lost,
            long dlq,
            List<String> modelVersions,
            Map<String, Long> predictionsByVersion,
            double liveAccuracy,
            double p50Ms,
            double p99Ms,
            double eventsPerSecond,
            double seconds,
            long alertsRaised,
            long alertsCleared,
            double alertDelaySeconds,
            Map<String, Double> liveAccuracyByVersion,
            List<String> alerts,
            String surgeEntity,
            long lateLabels,
            long driftRecords,
            String imageSource,
            Map<String, Long> predictionsByTask,
            Map<String, Double> accuracyByTask,
            Map<String, Double> firstLiveSeconds) {}

    /** The finance companies of the demo feed (a few, so each has enough predictions per window). */
    public static final List<String> COMPANIES = List.of("Acme Corp", "Globex", "Initech", "Hooli");
    /** The company whose negative surge the feed scripts. */
    public static final String SURGE_ENTITY = SurgeScript.DEMO.entity();
    /** Share of finance events whose label arrives later on finance.examples, 3 to 8 s after the event. */
    static final double LATE_LABEL_SHARE = 0.3;
    /** Longest wait, after the feed drained, for the monitor to decide the surge's last windows. */
    static final Duration ALERT_WAIT = Duration.ofSeconds(15);

    /** Starts the services under test against a config; the demo closes what it returns. */
    @FunctionalInterface
    public interface Services {
        AutoCloseable start(StreamtuneConfig config) throws Exception;
    }

    private final Options options;
    private final Services services;
    private final PrintStream out;
    private final SurgeScript script;
    private volatile boolean stopRequested;
    private Path dataDir;
    /**
     * Kafka Streams' state directory of the scorer and monitor while the run's own broker serves: inside the
     * broker's data directory, so it goes with the broker at the end. Null against a broker given by --bootstrap
     * (the configured default then).
     */
    private Path streamsStateDir;
    /** The image task of this run, or null (none asked for, or a replay). */
    private DemoImages images;

    public DemoRun(Options options, Services services, PrintStream out) {
        this(options, services, out, SurgeScript.DEMO);
    }

    /** With another surge script and monitor settings (the simulation explores them). */
    DemoRun(Options options, Services services, PrintStream out, SurgeScript script) {
        this.options = options;
        this.services = services;
        this.out = out;
        this.script = script;
    }

    /**
     * Keeps the embedded broker's data under {@code dir} (in a fresh sub-directory, deleted at the
     * end) instead of a temporary directory; {@code streamtune demo} writes Kafka's log beside it.
     */
    public DemoRun withDataDir(Path dir) {
        this.dataDir = dir;
        return this;
    }

    public Report run() throws Exception {
        List<Feed.Item> replay = options.fromFile() == null ? null : Feed.readLabelled(options.fromFile());
        if (replay == null && !script.fits(options.duration())) {
            out.printf(
                    "** no scripted surge in this run: --duration %s is shorter than the %s a surge and its clearing need"
                            + " (it starts %s in at the earliest, lasts %s, and the monitor needs %s of normal news after it"
                            + " to clear the alert)%n",
                    SurgeScript.text(options.duration()),
                    SurgeScript.text(script.minimumDuration()),
                    SurgeScript.text(script.earliestStart()),
                    SurgeScript.text(script.length()),
                    SurgeScript.text(script.clearTime()));
        }
        List<String> replayLabels = replay == null
                ? null
                : new ArrayList<>(new LinkedHashSet<>(
                        replay.stream().map(Feed.Item::label).toList()));
        if (replay == null) {
            images = DemoImages.open(options.images(), options.fashionMnist(), options.seed());
            if (images != null) {
                out.println(images.describe(options.images() != DemoImages.Choice.AUTO));
            }
        } else if (options.images() != DemoImages.Choice.OFF) {
            out.println("** no image task in a replay: --from-file feeds its one text task");
        }
        EmbeddedKafkaBroker broker = null;
        try {
            String bootstrap = options.bootstrap();
            if (bootstrap == null) {
                out.println("starting an embedded Kafka broker (KRaft) ...");
                broker = dataDir == null
                        ? EmbeddedKafkaBroker.startTemporary()
                        : EmbeddedKafkaBroker.start(
                                dataDir.resolve("kafka-" + EmbeddedKafkaBroker.uniqueSuffix()),
                                EmbeddedKafkaBroker.freePort(),
                                EmbeddedKafkaBroker.freePort(),
                                Map.of(),
                                true);
                bootstrap = broker.bootstrapServers();
                streamsStateDir = broker.dataDir().resolve("streams-state");
            }
            StreamtuneConfig config = config(bootstrap, replayLabels);
            try (Admin admin = KafkaClients.of(config).admin()) {
                TopicAdmin.ensure(admin, config.topicLayout());
            }
            out.println("Kafka at " + bootstrap + "; tasks " + config.tasks().keySet()
                    + "; starting the trainer and the scorer (loading the encoder takes a few seconds) ...");
            try (AutoCloseable running = services.start(config)) {
                return feedAndWatch(config, replay);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** Ends the feed early (Ctrl-C); the run still drains and reports. */
    public void stop() {
        stopRequested = true;
    }

    /** The demo's configuration: its tasks with a small retrain window, so versions go live within seconds. */
    StreamtuneConfig config(String bootstrap, List<String> replayLabels) throws ConfigException {
        return StreamtuneConfig.parse(configYaml(bootstrap, replayLabels), Map.of(), Map.of());
    }

    /** The text of {@link #config}: the simulation of the demo's alerts builds the monitor from the same settings. */
    String configYaml(String bootstrap, List<String> replayLabels) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("kafka: {bootstrap.servers: \"").append(bootstrap).append('"');
        if (streamsStateDir != null) {
            yaml.append(", state.dir: \"")
                    .append(streamsStateDir.toAbsolutePath().toString().replace("\\", "/"))
                    .append('"');
        }
        yaml.append("}\n");
        yaml.append("topics: {partitions: 2}\n");
        yaml.append("scoring: {metricsPort: 0, batch: {maxWait: 20ms}}\n");
        yaml.append("trainer: {metricsPort: 0}\n");
        yaml.append("monitoring: {metricsPort: 0, liveMetricsInterval: 5s, applicationId: streamtune-monitor-demo-")
                .append(Long.toHexString(System.nanoTime()))
                .append("}\n");
        yaml.append("tasks:\n");
        String window = "    window: {retrainEvery: " + options.retrainEvery()
                + ", maxWait: 30s, minNew: 30, size: 5000, holdoutPercent: 15}\n"
                + "    gate: {tolerance: 0.02, floor: 0.34}\n"
                + "    head: {kind: linear, maxEpochs: 60, patience: 8}\n";
        if (replayLabels == null) {
            for (DemoFeed.Domain d : DemoFeed.Domain.values()) {
                yaml.append("  - name: ")
                        .append(d.task())
                        .append("\n    labels: [")
                        .append(String.join(", ", d.labels()))
                        .append("]\n")
                        .append(window);
                if (d == DemoFeed.Domain.FINANCE) {
                    yaml.append(script.monitorYaml());
                }
            }
            if (images != null) {
                yaml.append(images.taskYaml());
            }
        } else {
            yaml.append("  - name: replay\n    labels: [")
                    .append(String.join(
                            ", ",
                            replayLabels.stream().map(l -> "\"" + l + "\"").toList()))
                    .append("]\n")
                    .append(window);
        }
        return yaml.toString();
    }

    private Report feedAndWatch(StreamtuneConfig config, List<Feed.Item> replay) throws Exception {
        Map<String, String> truth = new ConcurrentHashMap<>();
        Map<String, String> texts = new ConcurrentHashMap<>();
        List<String> tasks = List.copyOf(config.tasks().keySet());
        AtomicLong events = new AtomicLong();
        AtomicLong examples = new AtomicLong();
        AtomicLong malformed = new AtomicLong();
        long start = System.currentTimeMillis();
        KafkaClients clients = KafkaClients.of(config);
        try (DemoMonitor monitor = new DemoMonitor(clients, tasks, truth, texts, this::show);
                KafkaProducer<byte[], byte[]> producer = clients.producer(Map.of(
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        "true",
                        ProducerConfig.LINGER_MS_CONFIG,
                        "5"))) {
            monitor.start();
            // The text tasks take turns as before; the image task's records come on top, at their own rate.
            List<String> textTasks =
                    tasks.stream().filter(t -> !t.equals(DemoImages.TASK)).toList();
            Feed feed = new Feed(options, textTasks, replay, script);
            long imageSent = 0;
            long deadline = start + options.duration().toMillis();
            long nextStatus = start + 2_000;
            long sent = 0;
            boolean monitored = replay == null;
            // A surge when one fits (else said at start) and the feed is synthetic; it starts when script.start says.
            boolean scripted = monitored && script.fits(options.duration());
            if (scripted) {
                // Without --duration the run lasts until Ctrl-C (a year): no latest start worth printing.
                boolean bounded = options.duration().compareTo(Duration.ofDays(1)) < 0;
                out.printf(
                        "** a bearish surge on %s is scripted: %s long, %s after the first finance model serves, not before"
                                + " %s%s%n",
                        script.entity(),
                        SurgeScript.text(script.length()),
                        SurgeScript.text(script.afterFirstModel()),
                        SurgeScript.text(script.earliestStart()),
                        bounded
                                ? " and not after " + SurgeScript.text(script.latestStart(options.duration()))
                                        + " (so that the monitor can clear it before the end)"
                                : "");
            }
            long surgeEnd = -1; // ms from the start, once the surge started
            long surgeStartedAt = -1;
            boolean surgeOverShown = false;
            java.util.ArrayDeque<ProducerRecord<byte[], byte[]>> lateLabels = new java.util.ArrayDeque<>();
            java.util.ArrayDeque<Long> lateDue = new java.util.ArrayDeque<>();
            long lateSent = 0;
            Random lateRandom = new Random(options.seed() + 2);
            while (System.currentTimeMillis() < deadline && !stopRequested) {
                long elapsed = System.currentTimeMillis() - start;
                if (scripted && surgeEnd < 0) {
                    long firstModel = monitor.firstPredictionAt("finance");
                    Duration at = script.start(
                            options.duration(), firstModel < 0 ? null : Duration.ofMillis(firstModel - start));
                    if (elapsed >= at.toMillis()) {
                        surgeEnd = elapsed + script.length().toMillis();
                    }
                }
                boolean surging = surgeEnd >= 0 && elapsed < surgeEnd;
                if (surgeStartedAt >= 0 && !surging && !surgeOverShown) {
                    surgeOverShown = true;
                    out.printf(
                            "** scripted surge over: normal news again; the monitor clears the alert once a window without"
                                    + " the surge is decided (%s of feed time from now at most, plus the scorer's lag)%n",
                            SurgeScript.text(script.clearTime()));
                }
                Feed.Record r = feed.next(surging, System.currentTimeMillis());
                if (r == null) {
                    out.println("the replayed file is used up");
                    break;
                }
                if (r.surge() && surgeStartedAt < 0) {
                    surgeStartedAt = System.currentTimeMillis();
                    out.printf(
                            "** scripted surge: from now until %ds, %.0f%% of finance events are bearish news about %s%s%n",
                            surgeEnd / 1000,
                            script.share() * 100,
                            script.entity(),
                            monitor.firstPredictionAt("finance") < 0
                                    ? " (no finance model serves yet: the monitor sees the surge, at its events' time, once they"
                                            + " are scored)"
                                    : "");
                }
                List<Feed.Record> batch = new ArrayList<>(2);
                batch.add(r);
                // Image records due by now go with this text record (at 30 text records/s: within 34 ms of due).
                while (images != null
                        && start + (long) (imageSent * 1000 / options.imageRatePerSecond())
                                <= System.currentTimeMillis()) {
                    batch.add(images.next(System.currentTimeMillis(), options.malformedShare()));
                    imageSent++;
                }
                for (Feed.Record record : batch) {
                    producer.send(new ProducerRecord<>(record.topic(), record.key(), record.value()));
                    switch (record.kind()) {
                        case EVENT -> {
                            events.incrementAndGet();
                            truth.put(record.id(), record.label());
                            texts.put(record.id(), record.text());
                            if (monitored
                                    && record.topic().startsWith("finance.")
                                    && lateRandom.nextDouble() < LATE_LABEL_SHARE) {
                                lateLabels.add(new ProducerRecord<>(
                                        TaskTopics.of("finance").examples(), record.key(), Feed.lateLabel(record)));
                                lateDue.add(System.currentTimeMillis() + 3_000 + lateRandom.nextInt(5_000));
                            }
                        }
                        case EXAMPLE -> examples.incrementAndGet();
                        default -> malformed.incrementAndGet();
                    }
                }
                while (!lateDue.isEmpty() && lateDue.peek() <= System.currentTimeMillis()) {
                    lateDue.poll();
                    producer.send(lateLabels.poll());
                    lateSent++;
                }
                sent++;
                long due = start + (long) (sent * 1000 / options.ratePerSecond());
                long now = System.currentTimeMillis();
                if (due > now) {
                    Thread.sleep(due - now);
                }
                if (now >= nextStatus) {
                    status(monitor, examples.get(), events.get(), now - start);
                    nextStatus += 2_000;
                }
            }
            while (!lateLabels.isEmpty()) { // labels not yet due still arrive, a little early
                producer.send(lateLabels.poll());
                lateSent++;
            }
            producer.flush();
            out.println("feed stopped after " + (System.currentTimeMillis() - start) / 1000
                    + " s; waiting for the last predictions ...");
            long drainUntil =
                    System.currentTimeMillis() + options.drainTimeout().toMillis();
            // Drained when every event has its prediction and every malformed record its dead letter
            // (the trainer flushes dead letters with its next transaction).
            while (System.currentTimeMillis() < drainUntil
                    && (monitor.dlq.get() < malformed.get()
                            || !truth.keySet().stream().allMatch(monitor.predictionsById::containsKey))) {
                Thread.sleep(250);
            }
            Thread.sleep(1_000); // a duplicate, if one were coming, would show now
            if (surgeStartedAt >= 0 && !monitor.episodeClosed(script.entity())) {
                // The monitor decides a window when later predictions pass its end + grace: under load its last
                // decisions may still be on their way. Wait for the positive (CLEARED read), bounded.
                out.println("waiting for the monitor's last windows (no CLEARED for " + script.entity() + " yet) ...");
                long alertsUntil = System.currentTimeMillis() + ALERT_WAIT.toMillis();
                while (System.currentTimeMillis() < alertsUntil && !monitor.episodeClosed(script.entity())) {
                    Thread.sleep(250);
                }
            }
            double seconds = (System.currentTimeMillis() - start) / 1000.0;
            status(monitor, examples.get(), events.get(), System.currentTimeMillis() - start);
            long lost = truth.keySet().stream()
                    .filter(id -> !monitor.predictionsById.containsKey(id))
                    .count();
            long duplicates = monitor.predictionsById.values().stream()
                    .mapToLong(n -> n - 1L)
                    .sum();
            long predicted = monitor.predictions.get();
            long raisedAt = monitor.firstRaisedAt(script.entity());
            double alertDelay = surgeStartedAt < 0 || raisedAt < 0 ? -1 : round((raisedAt - surgeStartedAt) / 1000.0);
            return new Report(
                    events.get(),
                    examples.get(),
                    malformed.get(),
                    predicted,
                    duplicates,
                    lost,
                    monitor.dlq.get(),
                    List.copyOf(monitor.publishedVersions),
                    monitor.countsByVersion(),
                    predicted == 0 ? 0 : round((double) monitor.correct.get() / predicted),
                    round(monitor.latencyPercentile(0.5)),
                    round(monitor.latencyPercentile(0.99)),
                    round(predicted / seconds),
                    round(seconds),
                    monitor.alertCount(Alert.State.RAISED),
                    monitor.alertCount(Alert.State.CLEARED),
                    alertDelay,
                    monitor.liveAccuracyByVersion(),
                    monitor.alertSummaries(),
                    surgeStartedAt >= 0 ? script.entity() : null,
                    lateSent,
                    monitor.alertCount(Alert.State.DRIFT),
                    images == null ? null : images.source().wire(),
                    monitor.countsByTask(),
                    monitor.accuracyByTask(),
                    monitor.firstLiveSeconds(start));
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void status(DemoMonitor m, long examples, long events, long elapsedMs) {
        StringBuilder live = new StringBuilder();
        m.liveVersion.forEach(
                (task, v) -> live.append(' ').append(task).append("=v").append(v));
        out.printf(
                Locale.ROOT,
                "[%4ds] examples %d | events %d | predictions %d (%.0f/s) | p50 %.0f ms | dlq %d | alerts %d/%d | serving:%s%n",
                elapsedMs / 1000,
                examples,
                events,
                m.predictions.get(),
                m.predictions.get() * 1000.0 / Math.max(1, elapsedMs),
                m.latencyPercentile(0.5),
                m.dlq.get(),
                m.alertCount(Alert.State.RAISED),
                m.alertCount(Alert.State.CLEARED),
                live.length() == 0 ? " (no model yet: events are held)" : live);
    }

    private void show(DemoMonitor.Notice n) {
        if (n instanceof DemoMonitor.ModelPublished p) {
            ModelVersion v = p.meta();
            long covered = v.window().stream().mapToLong(w -> w.count()).sum();
            out.printf(
                    Locale.ROOT,
                    ">> %s v%d published%s: holdout macro-F1 %.3f, accuracy %.3f (%d held out), %d new examples%n",
                    v.task(),
                    v.version(),
                    v.parentVersion() == null ? "" : " (parent v" + v.parentVersion() + ")",
                    v.metrics() == null ? 0 : v.metrics().macroF1(),
                    v.metrics() == null ? 0 : v.metrics().accuracy(),
                    v.metrics() == null ? 0 : v.metrics().holdoutSize(),
                    covered);
        } else if (n instanceof DemoMonitor.ModelLive l) {
            ModelVersion v = l.meta();
            out.printf(
                    Locale.ROOT,
                    ">> %s v%d is live: predictions now name it (no restart)%s%n",
                    l.task(),
                    l.version(),
                    v == null || v.metrics() == null
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; holdout macro-F1 %.3f",
                                    v.metrics().macroF1()));
        } else if (n instanceof DemoMonitor.AlertSeen a) {
            out.println(">> ALERT " + AlertLine.of(a.alert()));
        } else if (n instanceof DemoMonitor.Sample s) {
            out.printf(
                    Locale.ROOT,
                    "   %s: %s -> %s %.2f (v%d%s)%n",
                    s.task(),
                    // A picture is named (its source and number), a text quoted.
                    s.task().equals(DemoImages.TASK) && images != null ? "[" + s.text() + "]" : "\"" + s.text() + "\"",
                    s.prediction().label(),
                    s.prediction().scores().getOrDefault(s.prediction().label(), 0.0),
                    s.prediction().modelVersion(),
                    s.truth() == null ? "" : ", truth " + s.truth());
        }
    }

    /** The records the demo produces: synthetic (two tasks) or replayed from a labelled file (task "replay"). */
    static final class Feed {
        enum Kind {
            EXAMPLE,
            EVENT,
            MALFORMED
        }

        record Item(String text, String label) {}

        record Record(
                String topic,
                byte[] key,
                byte[] value,
                Kind kind,
                String id,
                String text,
                String label,
                String entity,
                boolean surge) {}

        private final Options options;
        private final List<String> tasks;
        private final List<Item> replay;
        private final SurgeScript script;
        private final DemoFeed synthetic;
        private final Random random;
        private int position;
        private long n;

        Feed(Options options, List<String> tasks, List<Item> replay, SurgeScript script) {
            this.options = options;
            this.tasks = tasks;
            this.replay = replay;
            this.script = script;
            this.synthetic = new DemoFeed(options.seed());
            this.random = new Random(options.seed() + 1);
        }

        /**
         * The next record, stamped {@code ts} (epoch ms); during the scripted surge a share of finance events are the
         * surging company's bearish news.
         */
        Record next(boolean surging, long ts) {
            String task = tasks.get((int) (n % tasks.size()));
            n++;
            TaskTopics topics = TaskTopics.of(task);
            double roll = random.nextDouble();
            if (roll < options.malformedShare()) {
                String id = task + "-bad-" + n;
                DemoFeed.Domain d = task.equals("finance") ? DemoFeed.Domain.FINANCE : DemoFeed.Domain.REVIEWS;
                boolean toExamples = random.nextBoolean();
                return new Record(
                        toExamples ? topics.examples() : topics.events(),
                        null,
                        synthetic.malformed(d, id, toExamples).getBytes(StandardCharsets.UTF_8),
                        Kind.MALFORMED,
                        id,
                        null,
                        null,
                        null,
                        false);
            }
            String text;
            String label;
            String entity;
            if (replay != null) {
                if (position >= replay.size()) {
                    return null;
                }
                Item item = replay.get(position++);
                text = item.text();
                label = item.label();
                entity = "replay";
            } else {
                boolean finance = task.equals("finance");
                DemoFeed.Sample s = finance
                        ? synthetic.next(DemoFeed.Domain.FINANCE, COMPANIES)
                        : synthetic.next(DemoFeed.Domain.REVIEWS);
                text = s.text();
                label = s.label();
                entity = s.entity();
            }
            boolean example = roll < options.malformedShare() + 0.6 * (1 - options.malformedShare());
            boolean surge = false;
            if (surging && !example && task.equals("finance") && random.nextDouble() < script.share()) {
                DemoFeed.Sample s = synthetic.next(DemoFeed.Domain.FINANCE, script.entity(), 0);
                text = s.text();
                label = s.label();
                entity = s.entity();
                surge = true;
            }
            String id = task + (example ? "-x-" : "-e-") + n;
            ObjectNode json = Json.mapper().createObjectNode();
            json.put("id", id).put("text", text);
            if (example) {
                json.put("label", label);
            }
            json.put("ts", ts);
            json.putObject("attrs").put("entity", entity).put("source", "demo");
            return new Record(
                    example ? topics.examples() : topics.events(),
                    id.getBytes(StandardCharsets.UTF_8),
                    Json.write(json),
                    example ? Kind.EXAMPLE : Kind.EVENT,
                    id,
                    text,
                    label,
                    entity,
                    surge);
        }

        /** The labelled example that arrives late for an event: same id and text, with its label. */
        static byte[] lateLabel(Record event) {
            ObjectNode json = Json.mapper().createObjectNode();
            json.put("id", event.id()).put("text", event.text()).put("label", event.label());
            json.putObject("attrs").put("entity", event.entity()).put("source", "late-label");
            return Json.write(json);
        }

        static List<Item> readLabelled(Path file) throws JsonlExamples.BadInputException {
            List<Item> items = JsonlExamples.read(file).stream()
                    .map(t -> new Item(t.text(), t.label()))
                    .toList();
            if (items.isEmpty()) {
                throw new JsonlExamples.BadInputException("--from-file " + file + " has no records");
            }
            return items;
        }
    }
}
