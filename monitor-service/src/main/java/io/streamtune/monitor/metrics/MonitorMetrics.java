package io.streamtune.monitor.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.streamtune.common.event.Alert;

/**
 * Every meter of the monitor service, in one place, plus what {@code /health} shows. Tags are
 * bounded: {@code task} (configured tasks), {@code model.version} (the few versions whose accuracy
 * is kept), {@code state}, {@code outcome}, {@code watched} (enums). The top-entities gauge carries
 * {@code rank} (1..{@value #TOP_ENTITIES}) and {@code entity} for those ranks only: at most five
 * series per task at a time, rows that leave the top are removed.
 *
 * <pre>{@code
 * MonitorMetrics m = new MonitorMetrics(registry);
 * m.alert("finance", Alert.State.RAISED);
 * }</pre>
 */
public final class MonitorMetrics {
    public static final String PREDICTIONS = "streamtune.monitor.predictions";
    public static final String LATE = "streamtune.monitor.surge.late";
    public static final String ALERTS = "streamtune.monitor.alerts";
    public static final String ALERT_DELAY = "streamtune.monitor.alert.delay";
    public static final String ENTITIES = "streamtune.monitor.entities";
    public static final String EVICTED = "streamtune.monitor.entities.evicted";
    public static final String TOP_SHARE = "streamtune.monitor.top.share";
    public static final String RAISED_NOW = "streamtune.monitor.alerts.raised";
    public static final String LABELS = "streamtune.monitor.live.labels";
    public static final String LIVE_ACCURACY = "streamtune.monitor.live.accuracy";
    public static final String LIVE_MACRO_F1 = "streamtune.monitor.live.macro.f1";
    public static final String LIVE_PAIRS = "streamtune.monitor.live.pairs";
    public static final String DRIFT = "streamtune.monitor.drift.detections";

    public static final String TAG_TASK = "task";
    public static final String TAG_VERSION = "model.version";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_STATE = "state";
    public static final String TAG_WATCHED = "watched";
    public static final int TOP_ENTITIES = 5;

    /** Outcomes of a prediction read by the monitor. */
    public enum PredictionOutcome {
        /** Parsed, with an entity: counted in surge windows (and in live accuracy and drift). */
        MONITORED,
        /** Parsed, without the entity attribute: live accuracy and drift only. */
        NO_ENTITY,
        /** Not a readable prediction of the task (bad JSON, unknown label): skipped and logged. */
        UNREADABLE;

        String tag() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** Outcomes of a label read from {@code <task>.examples}. */
    public enum LabelOutcome {
        /** Joined with its prediction within the join window. */
        JOINED,
        /** Its prediction exists but the two are further apart than the join window. */
        OUTSIDE_WINDOW,
        /** No prediction with its id was seen (never scored, or scored longer ago than the stores keep). */
        NEVER_SCORED,
        /** Not a readable labelled example: skipped (the trainer dead-letters it). */
        UNREADABLE;

        String tag() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** One version's live metrics, as gauges and {@code /health} show them. */
    public record Live(double accuracy, double macroF1, int pairs) {}

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> delays = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Long>> entitiesByPartition = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, List<Map.Entry<String, Double>>>> topByPartition = new ConcurrentHashMap<>();
    private final Map<String, MultiGauge> topGauges = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, Live>> live = new ConcurrentHashMap<>();
    private final Map<String, MultiGauge[]> liveGauges = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> raisedNow = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> alertCounts = new ConcurrentHashMap<>();

    public MonitorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Meters that go nowhere, for tests and tools. */
    public static MonitorMetrics noop() {
        return new MonitorMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void prediction(String task, PredictionOutcome outcome) {
        counter(
                        PREDICTIONS,
                        "predictions read by the monitor, by what became of them",
                        TAG_TASK,
                        task,
                        TAG_OUTCOME,
                        outcome.tag())
                .increment();
    }

    /** A prediction arrived after a window it belongs to was decided (beyond {@code monitor.grace}): that window missed it. */
    public void late(String task) {
        counter(
                        LATE,
                        "predictions that arrived after a window they belong to was decided (later than monitor.grace)",
                        TAG_TASK,
                        task)
                .increment();
    }

    public void alert(String task, Alert.State state) {
        counter(ALERTS, "alert records written to <task>.alerts", TAG_TASK, task, TAG_STATE, state.name())
                .increment();
        alertCounts.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).merge(state.name(), 1L, Long::sum);
        AtomicLong now = raisedNow.computeIfAbsent(task, t -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(RAISED_NOW, v, AtomicLong::get)
                    .description("surge alerts raised and not cleared (this instance)")
                    .tag(TAG_TASK, t)
                    .register(registry);
            return v;
        });
        if (state == Alert.State.RAISED) {
            now.incrementAndGet();
        } else if (state == Alert.State.CLEARED) {
            now.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    /**
     * Delay from the onset of a surge (event time of the first alert-label prediction of the first
     * hop whose own share reached the raise level) to the moment its RAISED alert was decided.
     */
    public void alertDelay(String task, Duration delay) {
        delays.computeIfAbsent(
                        task,
                        t -> Timer.builder(ALERT_DELAY)
                                .description(
                                        "onset of a surge (first alert-label prediction of the first hop over the raise level) to its RAISED alert")
                                .tag(TAG_TASK, t)
                                .publishPercentiles(0.5, 0.99)
                                .register(registry))
                .record(Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Entities one partition tracks now. */
    public void entities(String task, int partition, long count) {
        entitiesByPartition
                .computeIfAbsent(task, t -> {
                    Map<Integer, Long> m = new ConcurrentHashMap<>();
                    Gauge.builder(
                                    ENTITIES,
                                    m,
                                    x -> x.values().stream()
                                            .mapToLong(Long::longValue)
                                            .sum())
                            .description(
                                    "entities whose surge state this instance keeps (bounded by monitor.maxEntities per partition)")
                            .tag(TAG_TASK, t)
                            .strongReference(true)
                            .register(registry);
                    return m;
                })
                .put(partition, count);
    }

    public void evicted(String task) {
        counter(
                        EVICTED,
                        "entities evicted, least recently seen first, to stay within monitor.maxEntities",
                        TAG_TASK,
                        task)
                .increment();
    }

    /** The entities of one partition with the highest alert-label share in the window just decided. */
    public synchronized void topShares(String task, int partition, List<Map.Entry<String, Double>> top) {
        topByPartition.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).put(partition, List.copyOf(top));
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        topByPartition.get(task).values().forEach(all::addAll);
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(TOP_ENTITIES, all.size()); i++) {
            rows.add(MultiGauge.Row.of(
                    Tags.of(
                            "rank",
                            Integer.toString(i + 1),
                            "entity",
                            all.get(i).getKey()),
                    all.get(i).getValue()));
        }
        topGauges
                .computeIfAbsent(
                        task,
                        t -> MultiGauge.builder(TOP_SHARE)
                                .description(
                                        "alert-label share of the entities with the highest share in the last decided window (top 5)")
                                .tag(TAG_TASK, t)
                                .register(registry))
                .register(rows, true);
    }

    public void label(String task, LabelOutcome outcome) {
        counter(
                        LABELS,
                        "labels read from <task>.examples, by whether they joined a prediction",
                        TAG_TASK,
                        task,
                        TAG_OUTCOME,
                        outcome.tag())
                .increment();
    }

    /** The live metrics of every version of a task kept now (versions not in the map are dropped). */
    public synchronized void live(String task, Map<Long, Live> byVersion) {
        live.put(task, Map.copyOf(byVersion));
        MultiGauge[] g = liveGauges.computeIfAbsent(task, t -> new MultiGauge[] {
            MultiGauge.builder(LIVE_ACCURACY)
                    .description("prequential accuracy over the last monitor.accuracyWindow joined pairs")
                    .tag(TAG_TASK, t)
                    .register(registry),
            MultiGauge.builder(LIVE_MACRO_F1)
                    .description("prequential macro-F1 over the last monitor.accuracyWindow joined pairs")
                    .tag(TAG_TASK, t)
                    .register(registry),
            MultiGauge.builder(LIVE_PAIRS)
                    .description("joined pairs in the accuracy window")
                    .tag(TAG_TASK, t)
                    .register(registry)
        });
        List<MultiGauge.Row<?>> acc = new ArrayList<>();
        List<MultiGauge.Row<?>> f1 = new ArrayList<>();
        List<MultiGauge.Row<?>> pairs = new ArrayList<>();
        byVersion.forEach((v, l) -> {
            Tags tags = Tags.of(TAG_VERSION, Long.toString(v));
            acc.add(MultiGauge.Row.of(tags, l.accuracy()));
            f1.add(MultiGauge.Row.of(tags, l.macroF1()));
            pairs.add(MultiGauge.Row.of(tags, l.pairs()));
        });
        g[0].register(acc, true);
        g[1].register(f1, true);
        g[2].register(pairs, true);
    }

    /** A drift detector fired; {@code written} false when the task's cool-down held the record back. */
    public void drift(String task, Alert.Watched watched, boolean written) {
        counter(
                        DRIFT,
                        "drift detections (outcome written: a DRIFT record; cooling-down: within monitor.drift.coolDown)",
                        TAG_TASK,
                        task,
                        TAG_WATCHED,
                        watched.wire(),
                        TAG_OUTCOME,
                        written ? "written" : "cooling-down")
                .increment();
    }

    /** Per task, for {@code /health}: live metrics per version, alert counts, entities tracked. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        java.util.Set<String> tasks = new java.util.TreeSet<>();
        tasks.addAll(live.keySet());
        tasks.addAll(alertCounts.keySet());
        tasks.addAll(entitiesByPartition.keySet());
        for (String t : tasks) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put(
                    "entities",
                    entitiesByPartition.getOrDefault(t, Map.of()).values().stream()
                            .mapToLong(Long::longValue)
                            .sum());
            d.put("alerts", new java.util.TreeMap<>(alertCounts.getOrDefault(t, Map.of())));
            d.put("raisedNow", raisedNow.containsKey(t) ? raisedNow.get(t).get() : 0);
            Map<String, Object> versions = new java.util.TreeMap<>();
            live.getOrDefault(t, Map.of()).entrySet().stream()
                    .sorted(Comparator.comparing(Map.Entry::getKey))
                    .forEach(e -> versions.put("v" + e.getKey(), e.getValue()));
            d.put("liveAccuracy", versions);
            out.put(t, d);
        }
        return out;
    }

    private Counter counter(String name, String description, String... tags) {
        String key = name + String.join("|", tags);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(
                    key,
                    k -> Counter.builder(name)
                            .description(description)
                            .tags(tags)
                            .register(registry));
        }
        return c;
    }

    /** The count of a counter (tests): 0 when it was never incremented. */
    public double count(String name, String... tags) {
        Counter c = counters.get(name + String.join("|", tags));
        return c == null ? 0 : c.count();
    }
}
