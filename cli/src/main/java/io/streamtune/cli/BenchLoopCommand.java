package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.cli.files.JsonlExamples;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.logging.ServiceLogging;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.scoring.ScoringService;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;
import io.streamtune.trainer.monitor.TrainerMetrics;

/**
 * {@code streamtune bench loop}: how long a new example takes to change live predictions. On an
 * embedded broker, the trainer and the scorer run as their commands start them (defaults, each with its
 * own encoder) while events flow at a steady rate. For each window, all its examples but the last are
 * produced and consumed by the trainer; then the clock starts at the produce of the example that
 * completes the window, and stops when a read_committed reader of the predictions first sees one made by
 * the version trained on that window. The gate runs in full but always admits (tolerance 1): the bench
 * measures the path, not the model.
 *
 * <p>Two paths: the head-only challenger (the default trainer), and the fine-tuning challenger: the same
 * run with the task's {@code finetune.mode} set, stopped by the first version that brings its own encoder
 * weights.
 * The last stdout line is JSON with {@code headPathSeconds} and {@code finetunePathSeconds} (the median
 * over the windows; null when not measured).
 */
@Command(
        name = "loop",
        mixinStandardHelpOptions = true,
        description =
                "Example-to-live time: from the produce of the example that completes a window to the first prediction "
                        + "by the version trained on it (head-only and fine-tuning paths).")
public final class BenchLoopCommand implements Callable<Integer> {
    /** Which challenger path to measure. */
    enum LoopPath {
        HEAD,
        FINETUNE,
        BOTH
    }

    @Option(names = "--path", defaultValue = "both", description = "head, finetune or both (default: ${DEFAULT-VALUE})")
    LoopPath path;

    @Option(
            names = "--windows",
            defaultValue = "3",
            description = "windows measured per path (default: ${DEFAULT-VALUE})")
    int windows;

    @Option(
            names = "--retrain-every",
            defaultValue = "500",
            description = "window.retrainEvery: examples per window (default: ${DEFAULT-VALUE}, the task default)")
    int retrainEvery;

    @Option(
            names = "--rate",
            defaultValue = "20",
            description = "events per second flowing meanwhile (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(
            names = "--encoder",
            defaultValue = Encoders.DEFAULT_ID,
            description = "task encoder (default: ${DEFAULT-VALUE})")
    String encoderId;

    @Option(
            names = "--data",
            paramLabel = "FILE",
            description =
                    "labelled JSONL ({\"text\",\"label\"}) for examples and events, e.g. "
                            + "../shared/data/twitter_financial_news_sentiment/train.jsonl (default: generated finance headlines)")
    Path data;

    @Option(
            names = "--finetune-mode",
            defaultValue = "lora",
            description = "finetune.mode of the task on the fine-tuning path (default: ${DEFAULT-VALUE})")
    String finetuneMode;

    @Option(
            names = "--timeout",
            defaultValue = "600",
            paramLabel = "SECONDS",
            description = "longest wait for one window's version to predict (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(
            names = "--seed",
            defaultValue = "5",
            description = "seed of the generated data and of its order (default: ${DEFAULT-VALUE})")
    long seed;

    private static final String TASK = "loop";
    /** The task setting that turns on fine-tuning challengers, when this build has it. */

    /** A labelled text. */
    private record Item(String text, String label) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchLoopCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ServiceLogging.setLevel("io.streamtune", "warn");
        ServiceLogging.setLevel("ai.djl", "error");
        List<Item> items;
        List<String> labels;
        if (data != null) {
            if (!Files.isRegularFile(data)) {
                System.out.println("skipped: " + data
                        + " is not there (the public data sets are read by path, see ../shared/data/README.md)");
                System.out.println(Json.writeString(Map.of("skipped", "missing " + data)));
                return 0;
            }
            List<JsonlExamples.LabelledText> read = JsonlExamples.shuffled(JsonlExamples.read(data), seed);
            items = read.stream().map(e -> new Item(e.text(), e.label())).toList();
            labels = JsonlExamples.labelsInOrder(read);
        } else {
            DemoFeed feed = new DemoFeed(seed);
            items = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                DemoFeed.Sample s = feed.next(DemoFeed.Domain.FINANCE);
                items.add(new Item(s.text(), s.label()));
            }
            labels = DemoFeed.Domain.FINANCE.labels();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("encoder", encoderId);
        result.put("retrainEvery", retrainEvery);
        result.put("eventsPerSecond", rate);
        result.put("data", data == null ? "generated" : data.getFileName().toString());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
            List<Double> head = null;
            List<Double> tuned = null;
            if (path != LoopPath.FINETUNE) {
                head = measure(broker, "head", "", items, labels, false);
            }
            if (path != LoopPath.HEAD) {
                tuned = measure(
                        broker, "finetune", "    finetune: {mode: " + finetuneMode + "}\n", items, labels, true);
            }
            result.put("headPathWindowsSeconds", head);
            result.put("finetunePathWindowsSeconds", tuned);
            result.put("loadAverage", Math.round(loadAverage() * 100) / 100.0);
            result.put("headPathSeconds", median(head));
            result.put("finetunePathSeconds", median(tuned));
        }
        System.out.println(lastLine(result));
        return 0;
    }

    /**
     * The result as one JSON line in which both path keys are always present: a path not measured (or not
     * available in this build) is {@code null}, where the shared mapper would leave the key out.
     */
    static String lastLine(Map<String, Object> result) {
        com.fasterxml.jackson.databind.node.ObjectNode line = Json.mapper().valueToTree(result);
        for (String key : List.of("headPathSeconds", "finetunePathSeconds")) {
            if (!line.hasNonNull(key)) {
                line.putNull(key);
            }
        }
        return line.toString();
    }

    /**
     * Runs the trainer and the scorer on a fresh application and topics, and measures each window.
     *
     * @param taskYaml extra task keys (indented for the task's map)
     * @param untilTuned stop each window at a version with its own encoder weights (the fine-tuning path)
     * @return seconds per window, example produce to first prediction
     */
    private List<Double> measure(
            EmbeddedKafkaBroker broker,
            String name,
            String taskYaml,
            List<Item> items,
            List<String> labels,
            boolean untilTuned)
            throws Exception {
        String task = TASK + "-" + name;
        Path state = Files.createTempDirectory("bench-loop");
        StreamtuneConfig config = StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                trainer: {metricsPort: -1}
                scoring: {metricsPort: -1, applicationId: bench-loop-%s}
                tasks:
                  - name: %s
                    labels: [%s]
                    encoder: %s
                    window: {retrainEvery: %d, maxWait: 1h, minNew: %d}
                    gate: {tolerance: 1.0, floor: 0.0}
                %s""".formatted(
                        broker.bootstrapServers(),
                        state,
                        name,
                        task,
                        String.join(
                                ", ", labels.stream().map(l -> "\"" + l + "\"").toList()),
                        encoderId,
                        retrainEvery,
                        retrainEvery,
                        taskYaml),
                Map.of(),
                Map.of());
        KafkaClients clients = KafkaClients.of(config);
        try (Admin admin = clients.admin()) {
            TopicAdmin.ensure(admin, config.topicLayout());
        }
        TaskTopics topics = TaskTopics.of(task);
        System.out.printf(
                "%s path: task %s, %d examples per window, events at %.0f/s; starting the trainer and the scorer ...%n",
                name, task, retrainEvery, rate);
        List<Double> seconds = new ArrayList<>();
        try (TrainerService trainer =
                        new TrainerService(config, TrainerOptions.defaults().withMetricsPort(-1));
                ScoringService scoring = ScoringService.owningBackbones(config, ScoringSettings.from(config));
                KafkaProducer<byte[], byte[]> producer =
                        clients.producer(Map.of("enable.idempotence", "true", "linger.ms", "0"));
                Watcher watcher = new Watcher(clients, topics.predictions(), task)) {
            trainer.start();
            scoring.start();
            if (!scoring.awaitRunning(Duration.ofSeconds(120))) {
                throw new IllegalStateException("the scorer did not reach RUNNING");
            }
            watcher.watch(scoring);
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread events =
                    new Thread(() -> feedEvents(producer, topics.events(), items, feeding), "bench-loop-events");
            events.setDaemon(true);
            events.start();
            try {
                int next = 0;
                long lastVersion = 0;
                for (int w = 1; w <= windows; w++) {
                    for (int i = 0; i < retrainEvery - 1; i++) {
                        send(producer, topics.examples(), "x-" + w + "-" + i, items.get(next++ % items.size()));
                    }
                    producer.flush();
                    long target = (long) w * retrainEvery - 1;
                    awaitConsumed(trainer, task, target);
                    long t0 = System.nanoTime();
                    send(producer, topics.examples(), "x-" + w + "-last", items.get(next++ % items.size()));
                    producer.flush();
                    long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                    Watcher.Version v;
                    while ((v = watcher.firstAfter(lastVersion, untilTuned)) == null || v.firstPredictionNanos() == 0) {
                        if (System.nanoTime() > deadline || !trainer.isRunning()) {
                            throw new IllegalStateException(
                                    name + " path, window " + w + ": no prediction by a new version within "
                                            + timeoutSeconds + " s (trainer running: " + trainer.isRunning() + ")");
                        }
                        Thread.sleep(2);
                    }
                    lastVersion = v.version();
                    double s = (v.firstPredictionNanos() - t0) / 1e9;
                    seconds.add(Math.round(s * 1000) / 1000.0);
                    System.out.printf(
                            "  window %d: v%d%s on the models topic after %.2f s, in service after %.2f s, first prediction "
                                    + "after %.2f s (load average %.2f)%n",
                            w,
                            v.version(),
                            v.tuned() ? " (own encoder weights)" : "",
                            (v.publishedNanos() - t0) / 1e9,
                            v.servedNanos() == 0 ? Double.NaN : (v.servedNanos() - t0) / 1e9,
                            s,
                            loadAverage());
                }
            } finally {
                feeding.set(false);
                events.join(5_000);
            }
        }
        return seconds;
    }

    /** Waits until the trainer has taken in {@code n} examples of the task. */
    private void awaitConsumed(TrainerService trainer, String task, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            Counter c = trainer.registry()
                    .find(TrainerMetrics.EXAMPLES_CONSUMED)
                    .tag("task", task)
                    .counter();
            if (c != null && c.count() >= n) {
                return;
            }
            if (System.nanoTime() > deadline || !trainer.isRunning()) {
                throw new IllegalStateException(
                        "the trainer took in " + (c == null ? 0 : (long) c.count()) + " of " + n + " examples");
            }
            Thread.sleep(5);
        }
    }

    private void feedEvents(
            KafkaProducer<byte[], byte[]> producer, String topic, List<Item> items, AtomicBoolean feeding) {
        long start = System.nanoTime();
        for (long i = 0; feeding.get(); i++) {
            long due = start + (long) (i / rate * 1e9);
            long wait = due - System.nanoTime();
            try {
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Item item = items.get((int) ((items.size() - 1 - i % items.size())));
            producer.send(new ProducerRecord<>(
                    topic,
                    ("e-" + i).getBytes(StandardCharsets.UTF_8),
                    Json.writeString(Map.of("id", "e-" + i, "text", item.text(), "ts", System.currentTimeMillis()))
                            .getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String id, Item item) {
        producer.send(new ProducerRecord<>(
                topic,
                id.getBytes(StandardCharsets.UTF_8),
                Json.writeString(Map.of("id", id, "text", item.text(), "label", item.label()))
                        .getBytes(StandardCharsets.UTF_8)));
    }

    private static Double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1
                ? sorted.get(n / 2)
                : Math.round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2 * 1000) / 1000.0;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * Reads the models topic and the predictions (read_committed) and notes, per version, when it was
     * published, whether it brings its own encoder weights, when the scorer served it and when a reader
     * first saw a prediction made by it.
     */
    private static final class Watcher implements AutoCloseable {
        record Version(long version, boolean tuned, long publishedNanos, long servedNanos, long firstPredictionNanos) {}

        private final Map<Long, long[]> times =
                new ConcurrentHashMap<>(); // version -> {published, served, first prediction}
        private final Map<Long, Boolean> tuned = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final String task;
        private volatile ScoringService scoring;

        Watcher(KafkaClients clients, String predictions, String task) {
            this.task = task;
            KafkaConsumer<byte[], byte[]> consumer = clients.consumer(Map.of(
                    "group.id",
                    "bench-loop-" + System.nanoTime(),
                    "isolation.level",
                    "read_committed",
                    "auto.offset.reset",
                    "earliest"));
            consumer.subscribe(List.of(predictions, TaskTopics.MODELS));
            thread = new Thread(
                    () -> {
                        try (consumer) {
                            while (running.get()) {
                                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                                    long now = System.nanoTime();
                                    if (r.topic().equals(TaskTopics.MODELS)) {
                                        model(r, now);
                                    } else {
                                        prediction(r, now);
                                    }
                                }
                                served();
                            }
                        }
                    },
                    "bench-loop-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void model(ConsumerRecord<byte[], byte[]> r, long now) {
            if (r.key() == null || !new String(r.key(), StandardCharsets.UTF_8).equals(task) || r.value() == null) {
                return;
            }
            try {
                ModelArtifact a = ModelArtifact.parse(r.value());
                long v = a.meta().version();
                tuned.put(v, a.backbone().isTuned());
                long[] t = times.computeIfAbsent(v, k -> new long[3]);
                if (t[0] == 0) {
                    t[0] = now;
                }
            } catch (ArtifactException e) {
                // not a version the scorer would serve either
            }
        }

        private void prediction(ConsumerRecord<byte[], byte[]> r, long now) {
            try {
                Prediction p = Json.read(r.value(), Prediction.class);
                long[] t = times.computeIfAbsent(p.modelVersion(), k -> new long[3]);
                if (t[2] == 0) {
                    t[2] = now;
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("unreadable prediction", e);
            }
        }

        /** From now on, notes when each version of the task went into service in {@code s} too (polled). */
        void watch(ScoringService s) {
            this.scoring = s;
        }

        private void served() {
            ScoringService s = scoring;
            if (s == null || s.models() == null) {
                return;
            }
            s.models().servedVersion(task).ifPresent(v -> {
                long[] t = times.computeIfAbsent(v, k -> new long[3]);
                if (t[1] == 0) {
                    t[1] = System.nanoTime();
                }
            });
        }

        /** The lowest version above {@code after} (with its own encoder weights, if asked) that a reader has seen predict. */
        Version firstAfter(long after, boolean mustBeTuned) {
            return times.keySet().stream()
                    .sorted()
                    .filter(v -> v > after)
                    .filter(v -> !mustBeTuned || Boolean.TRUE.equals(tuned.get(v)))
                    .filter(v -> times.get(v)[2] != 0)
                    .findFirst()
                    .map(v -> new Version(
                            v, Boolean.TRUE.equals(tuned.get(v)), times.get(v)[0], times.get(v)[1], times.get(v)[2]))
                    .orElse(null);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    @Override
    public String toString() {
        return "BenchLoopCommand[" + path.name().toLowerCase(Locale.ROOT) + "]";
    }
}
