package io.streamtune.cli.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

import io.streamtune.common.event.Alert;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/**
 * Reads what the demo's services write (predictions, dead letters, model versions, alerts, live metrics), read_committed
 * like any user, and keeps the counts the demo shows and reports: predictions per id (so lost
 * and duplicated predictions are counted, not assumed), per model version, latencies, DLQ size.
 */
final class DemoMonitor implements AutoCloseable {
    /** Something worth a line in the terminal. */
    sealed interface Notice permits ModelPublished, ModelLive, Sample, AlertSeen {}

    /** An alert record read from a task's alerts topic, at {@code seenAt} (wall clock). */
    record AlertSeen(Alert alert, long seenAt) implements Notice {}

    record ModelPublished(ModelVersion meta) implements Notice {}

    /** The first prediction naming {@code task} v{@code version} was read; {@code meta} is its record, null if not read. */
    record ModelLive(String task, long version, ModelVersion meta) implements Notice {}

    record Sample(String task, String text, Prediction prediction, String truth) implements Notice {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Consumer<Notice> notices;
    private final Map<String, String> truthById;
    private final Map<String, String> textById;

    final Map<String, Integer> predictionsById = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> predictionsByVersion = new ConcurrentHashMap<>();
    final AtomicLong predictions = new AtomicLong();
    final AtomicLong correct = new AtomicLong();
    final AtomicLong dlq = new AtomicLong();
    final Map<String, Long> liveVersion = new ConcurrentHashMap<>();
    final Set<String> publishedVersions = Collections.synchronizedSet(new TreeSet<>());
    final Map<String, ModelVersion> latestPublished = new ConcurrentHashMap<>();
    /** Every version read, by {@code task:vN}. */
    private final Map<String, ModelVersion> versions = new ConcurrentHashMap<>();

    private final Map<String, AtomicLong> predictionsByTask = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> correctByTask = new ConcurrentHashMap<>();
    /** When each task's last sample line was shown (wall clock ms). */
    private final Map<String, Long> lastSampleByTask = new ConcurrentHashMap<>();

    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<AlertSeen> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, LiveMetrics> liveMetrics = new ConcurrentHashMap<>();
    private volatile long lastSampleAt;
    /** Sample lines: one every 4 s, a task's at most every 8 s. */
    private static final long SAMPLE_EVERY_MS = 4_000;

    private static final long TASK_SAMPLE_EVERY_MS = 8_000;
    private final Map<String, Long> firstPredictionAt = new ConcurrentHashMap<>();

    DemoMonitor(
            KafkaClients clients,
            List<String> tasks,
            Map<String, String> truthById,
            Map<String, String> textById,
            Consumer<Notice> notices) {
        this.truthById = truthById;
        this.textById = textById;
        this.notices = notices;
        consumer = clients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "streamtune-demo-monitor-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024)));
        List<String> topics = new ArrayList<>(List.of(TaskTopics.MODELS));
        topics.add(TaskTopics.MODEL_EVENTS);
        for (String t : tasks) {
            topics.add(TaskTopics.of(t).predictions());
            topics.add(TaskTopics.of(t).dlq());
            topics.add(TaskTopics.of(t).alerts());
        }
        consumer.subscribe(topics);
        thread = new Thread(this::loop, "demo-monitor");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(TaskTopics.MODELS)) {
                        onModel(r.value());
                    } else if (r.topic().equals(TaskTopics.MODEL_EVENTS)) {
                        onModelEvent(r);
                    } else if (r.topic().endsWith(".alerts")) {
                        onAlert(r.value());
                    } else if (r.topic().endsWith(".dlq")) {
                        dlq.incrementAndGet();
                    } else {
                        onPrediction(r.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void onModel(byte[] value) {
        if (value == null) {
            return;
        }
        try {
            ModelVersion meta = ModelArtifact.parse(value).meta();
            if (publishedVersions.add(meta.task() + ":v" + meta.version())) {
                versions.put(meta.task() + ":v" + meta.version(), meta);
                latestPublished.put(meta.task(), meta);
                notices.accept(new ModelPublished(meta));
            }
        } catch (ArtifactException e) {
            // The scorer reports and rejects it; the demo only shows good versions.
        }
    }

    private void onPrediction(byte[] value) {
        Prediction p;
        try {
            p = Json.read(value, Prediction.class);
        } catch (java.io.IOException e) {
            return;
        }
        predictions.incrementAndGet();
        predictionsById.merge(p.id(), 1, Integer::sum);
        predictionsByVersion
                .computeIfAbsent(p.task() + ":v" + p.modelVersion(), k -> new AtomicLong())
                .incrementAndGet();
        latencies.add(p.latencyMs());
        predictionsByTask.computeIfAbsent(p.task(), k -> new AtomicLong()).incrementAndGet();
        String truth = truthById.get(p.id());
        if (truth != null && truth.equals(p.label())) {
            correct.incrementAndGet();
            correctByTask.computeIfAbsent(p.task(), k -> new AtomicLong()).incrementAndGet();
        }
        firstPredictionAt.putIfAbsent(p.task(), System.currentTimeMillis());
        Long live = liveVersion.get(p.task());
        if (live == null || p.modelVersion() > live) {
            liveVersion.put(p.task(), p.modelVersion());
            notices.accept(new ModelLive(p.task(), p.modelVersion(), versions.get(p.task() + ":v" + p.modelVersion())));
        }
        // One sample line every SAMPLE_EVERY, and each task's at most every TASK_SAMPLE_EVERY: the tasks take turns
        // instead of the busiest filling the screen.
        long now = System.currentTimeMillis();
        if (now - lastSampleAt > SAMPLE_EVERY_MS
                && now - lastSampleByTask.getOrDefault(p.task(), 0L) > TASK_SAMPLE_EVERY_MS) {
            lastSampleAt = now;
            lastSampleByTask.put(p.task(), now);
            notices.accept(new Sample(p.task(), textById.get(p.id()), p, truth));
        }
    }

    private void onModelEvent(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null || RecordType.of(r.headers()) != RecordType.LIVE_METRICS) {
            return;
        }
        try {
            LiveMetrics m = Json.read(r.value(), LiveMetrics.class);
            liveMetrics.merge(m.task() + ":v" + m.modelVersion(), m, (a, b) -> b.ts() >= a.ts() ? b : a);
        } catch (java.io.IOException e) {
            // not shown
        }
    }

    private void onAlert(byte[] value) {
        try {
            Alert a = Alert.parse(value);
            AlertSeen seen = new AlertSeen(a, System.currentTimeMillis());
            alerts.add(seen);
            notices.accept(seen);
        } catch (java.io.IOException | RuntimeException e) {
            // not an alert
        }
    }

    /** Alerts of this state seen so far (surge alerts of every entity, or DRIFT records). */
    long alertCount(Alert.State state) {
        return alerts.stream().filter(a -> a.alert().state() == state).count();
    }

    /** When the first prediction of {@code task} was read (wall clock), or -1: its first model serves from then. */
    long firstPredictionAt(String task) {
        return firstPredictionAt.getOrDefault(task, -1L);
    }

    /** True when a RAISED alert for {@code entity} was read and a CLEARED after it. */
    boolean episodeClosed(String entity) {
        boolean raised = false;
        for (AlertSeen a : alerts) {
            if (entity.equals(a.alert().entity())) {
                if (a.alert().state() == Alert.State.RAISED) {
                    raised = true;
                } else if (raised && a.alert().state() == Alert.State.CLEARED) {
                    return true;
                }
            }
        }
        return false;
    }

    /** When the first RAISED alert for {@code entity} was read, or -1. */
    long firstRaisedAt(String entity) {
        return alerts.stream()
                .filter(a -> a.alert().state() == Alert.State.RAISED
                        && entity.equals(a.alert().entity()))
                .mapToLong(AlertSeen::seenAt)
                .min()
                .orElse(-1);
    }

    /** Every alert seen, as {@code STATE entity} (or {@code DRIFT watched}), in order. */
    List<String> alertSummaries() {
        return alerts.stream()
                .map(a -> a.alert().state() + " "
                        + (a.alert().entity() != null
                                ? a.alert().entity()
                                : a.alert().drift() == null
                                        ? "?"
                                        : a.alert().drift().watched().wire()))
                .toList();
    }

    /** The newest live accuracy per {@code task:vN}. */
    Map<String, Double> liveAccuracyByVersion() {
        Map<String, Double> m = new TreeMap<>();
        liveMetrics.forEach((k, v) -> m.put(k, v.accuracy()));
        return m;
    }

    /** Latency percentile over every prediction seen (ms). */
    double latencyPercentile(double q) {
        List<Double> copy;
        synchronized (latencies) {
            copy = new ArrayList<>(latencies);
        }
        if (copy.isEmpty()) {
            return 0;
        }
        Collections.sort(copy);
        return copy.get((int) Math.min(copy.size() - 1, Math.floor(q * copy.size())));
    }

    /** Predictions read per task. */
    Map<String, Long> countsByTask() {
        Map<String, Long> m = new TreeMap<>();
        predictionsByTask.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Per task, the share of its predictions whose label is the feed's (events only; late labels do not count). */
    Map<String, Double> accuracyByTask() {
        Map<String, Double> m = new TreeMap<>();
        predictionsByTask.forEach((k, v) -> m.put(
                k,
                Math.round(correctByTask.getOrDefault(k, new AtomicLong()).get() * 1000.0 / Math.max(1, v.get()))
                        / 1000.0));
        return m;
    }

    /** Per task, seconds from {@code start} (wall clock ms) to its first prediction read: its first version live. */
    Map<String, Double> firstLiveSeconds(long start) {
        Map<String, Double> m = new TreeMap<>();
        firstPredictionAt.forEach((k, v) -> m.put(k, Math.round((v - start) / 100.0) / 10.0));
        return m;
    }

    Map<String, Long> countsByVersion() {
        Map<String, Long> m = new TreeMap<>();
        predictionsByVersion.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
