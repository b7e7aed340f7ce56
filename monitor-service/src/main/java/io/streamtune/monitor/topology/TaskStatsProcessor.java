package io.streamtune.monitor.topology;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.MonitorPolicy;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.drift.PageHinkley;
import io.streamtune.monitor.live.PrequentialAccuracy;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.observation.Observation;

/**
 * The task-wide statistics, on one partition (every record of a task has the task as key):
 * prequential accuracy per model version from the joined pairs, and the drift detectors: the error
 * rate of the pairs (where labels come), and, on every prediction, the share of each predicted
 * label and the mean confidence (which need no labels). Writes DRIFT records to
 * {@code <task>.alerts} (key = task; at most one per {@code monitor.drift.coolDown} of record time)
 * and, every {@code monitoring.liveMetricsInterval} of wall-clock time, a {@link LiveMetrics}
 * record per version whose window changed to {@code streamtune.model-events}, with the
 * {@link RecordType#HEADER} header.
 *
 * <p>State, changelogged: the accuracy window per version (the {@value #MAX_VERSIONS} newest
 * versions seen), and the detectors with the cool-down (one entry, rewritten per record; the
 * store's cache sends only the last value of each commit to the changelog).
 */
public final class TaskStatsProcessor implements Processor<String, Observation, String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(TaskStatsProcessor.class);
    /** Versions whose accuracy window is kept; an older one is dropped when a newer one appears. */
    public static final int MAX_VERSIONS = 8;

    private static final String DRIFT_KEY = "detectors";
    private static final int RECENT_VERSIONS = 4;

    private final TaskConfig task;
    private final MonitorPolicy policy;
    private final MonitorMetrics metrics;
    private final String accuracyStoreName;
    private final String driftStoreName;
    private final long liveMetricsIntervalMs;
    private final int labels;

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Long, byte[]> accuracyStore;
    private KeyValueStore<String, byte[]> driftStore;
    private final TreeMap<Long, PrequentialAccuracy> accuracy = new TreeMap<>();
    private final Map<Long, Long> publishedTotal = new TreeMap<>();
    private PageHinkley errorRate;
    private PageHinkley confidence;
    private PageHinkley[] mix;
    private long coolDownUntil = Long.MIN_VALUE;
    private final List<Long> recentVersions = new ArrayList<>();

    public TaskStatsProcessor(
            TaskConfig task,
            MonitorMetrics metrics,
            String accuracyStore,
            String driftStore,
            long liveMetricsIntervalMs) {
        this.task = task;
        this.policy = task.monitor();
        this.metrics = metrics;
        this.accuracyStoreName = accuracyStore;
        this.driftStoreName = driftStore;
        this.liveMetricsIntervalMs = liveMetricsIntervalMs;
        this.labels = task.labels().size();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        accuracyStore = context.getStateStore(accuracyStoreName);
        driftStore = context.getStateStore(driftStoreName);
        try (KeyValueIterator<Long, byte[]> it = accuracyStore.all()) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> e = it.next();
                accuracy.put(e.key, PrequentialAccuracy.fromBytes(e.value, policy.accuracyWindow(), labels));
            }
        }
        newDetectors();
        byte[] saved = driftStore.get(DRIFT_KEY);
        if (saved != null) {
            readDetectors(saved);
        }
        publishGauges();
        context.schedule(
                java.time.Duration.ofMillis(liveMetricsIntervalMs),
                PunctuationType.WALL_CLOCK_TIME,
                this::writeLiveMetrics);
    }

    private void newDetectors() {
        MonitorPolicy.DriftPolicy d = policy.drift();
        errorRate = new PageHinkley(d.delta(), d.lambda(), d.warmup());
        confidence = new PageHinkley(d.delta(), d.lambda(), d.warmup());
        mix = new PageHinkley[labels];
        for (int i = 0; i < labels; i++) {
            mix[i] = new PageHinkley(d.delta(), d.lambda(), d.warmup());
        }
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation o = record.value();
        if (o == null) {
            return;
        }
        if (o.kind() == Observation.Kind.PAIR) {
            onPair(o, record.timestamp());
        } else if (o.kind() == Observation.Kind.PREDICTION) {
            onPrediction(o, record.timestamp());
        }
    }

    private void onPair(Observation o, long ts) {
        PrequentialAccuracy acc = accuracy.get(o.version());
        if (acc == null) {
            acc = new PrequentialAccuracy(policy.accuracyWindow(), labels);
            accuracy.put(o.version(), acc);
            while (accuracy.size() > MAX_VERSIONS) {
                Long oldest = accuracy.firstKey();
                accuracy.remove(oldest);
                accuracyStore.delete(oldest);
            }
        }
        acc.add(o.label(), o.truth());
        accuracyStore.put(o.version(), acc.toBytes());
        if (policy.drift().enabled()) {
            check(errorRate.add(o.label() == o.truth() ? 0 : 1), errorRate, Alert.Watched.ERROR_RATE, null, ts);
            saveDetectors();
        }
    }

    private void onPrediction(Observation o, long ts) {
        if (!policy.drift().enabled()) {
            return;
        }
        if (!recentVersions.contains(o.version())) {
            recentVersions.add(o.version());
            if (recentVersions.size() > RECENT_VERSIONS) {
                recentVersions.remove(0);
            }
        }
        check(confidence.add(o.confidence()), confidence, Alert.Watched.CONFIDENCE, null, ts);
        for (int l = 0; l < labels; l++) {
            check(
                    mix[l].add(o.label() == l ? 1 : 0),
                    mix[l],
                    Alert.Watched.LABEL_MIX,
                    task.labels().get(l),
                    ts);
        }
        saveDetectors();
    }

    private void check(PageHinkley.Detection d, PageHinkley detector, Alert.Watched watched, String label, long ts) {
        if (d == null) {
            return;
        }
        detector.reset();
        boolean write = ts >= coolDownUntil;
        metrics.drift(task.name(), watched, write);
        if (!write) {
            return;
        }
        coolDownUntil = ts + policy.drift().coolDown().toMillis();
        Alert drift = new Alert(
                task.name(),
                null,
                Alert.State.DRIFT,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                watched == Alert.Watched.ERROR_RATE ? List.copyOf(accuracy.keySet()) : List.copyOf(recentVersions),
                null,
                null,
                new Alert.Drift(
                        "page-hinkley",
                        watched,
                        label,
                        d.up() ? "up" : "down",
                        round(d.statistic()),
                        policy.drift().lambda(),
                        d.samples(),
                        round(d.meanBefore()),
                        round(d.meanRecent())),
                context.currentSystemTimeMs());
        metrics.alert(task.name(), Alert.State.DRIFT);
        log.info(
                "[monitor task={}] DRIFT on {}{}: mean {} -> {} after {} samples (Page-Hinkley {} > {})",
                task.name(),
                watched.wire(),
                label == null ? "" : " (" + label + ")",
                round(d.meanBefore()),
                round(d.meanRecent()),
                d.samples(),
                round(d.statistic()),
                policy.drift().lambda());
        context.forward(new Record<>(task.name(), Json.write(drift), ts));
    }

    private void saveDetectors() {
        ByteBuffer b = ByteBuffer.allocate(4 + (2 + labels) * PageHinkley.BYTES + 8 + 4 + 8 * recentVersions.size());
        b.putInt(labels);
        errorRate.writeTo(b);
        confidence.writeTo(b);
        for (PageHinkley m : mix) {
            m.writeTo(b);
        }
        b.putLong(coolDownUntil).putInt(recentVersions.size());
        recentVersions.forEach(b::putLong);
        driftStore.put(DRIFT_KEY, b.array());
    }

    private void readDetectors(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt() != labels) {
            return; // the label set changed: start afresh
        }
        errorRate.readFrom(b);
        confidence.readFrom(b);
        for (PageHinkley m : mix) {
            m.readFrom(b);
        }
        coolDownUntil = b.getLong();
        int n = b.getInt();
        for (int i = 0; i < n; i++) {
            recentVersions.add(b.getLong());
        }
    }

    private void publishGauges() {
        Map<Long, MonitorMetrics.Live> live = new TreeMap<>();
        accuracy.forEach((v, a) ->
                live.put(v, new MonitorMetrics.Live(round(a.accuracy()), round(a.macroF1(task.labels())), a.pairs())));
        metrics.live(task.name(), live);
    }

    /**
     * Every {@code liveMetricsInterval}: the gauges (set here rather than per pair, which cost in
     * {@code bench monitor}), and one live-metrics record per version whose window took new pairs since the last one.
     */
    private void writeLiveMetrics(long now) {
        publishGauges();
        accuracy.forEach((version, a) -> {
            if (a.pairs() == 0 || publishedTotal.getOrDefault(version, -1L) == a.total()) {
                return;
            }
            publishedTotal.put(version, a.total());
            LiveMetrics m = new LiveMetrics(
                    LiveMetrics.TYPE,
                    task.name(),
                    version,
                    round(a.accuracy()),
                    round(a.macroF1(task.labels())),
                    a.pairs(),
                    a.size(),
                    a.f1PerLabel(task.labels()),
                    a.total(),
                    now);
            RecordHeaders headers = new RecordHeaders();
            headers.add(RecordType.HEADER, RecordType.LIVE_METRICS.headerValue());
            context.forward(new Record<>(task.name(), Json.write(m), now, headers));
        });
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
