package io.streamtune.scoring.monitor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.streamtune.common.event.Reason;

/**
 * Every meter of the scoring service, in one place. Tags are bounded: {@code task} (configured
 * tasks), {@code model.version} (versions actually served), {@code outcome}/{@code reason}
 * (enums). Record keys and ids are never tags.
 *
 * <pre>{@code
 * ScoringMetrics m = new ScoringMetrics(registry);
 * m.eventReceived("reviews");
 * }</pre>
 */
public final class ScoringMetrics {
    public static final String EVENTS = "streamtune.scoring.events";
    public static final String LATENCY = "streamtune.scoring.latency";
    public static final String PREDICTIONS = "streamtune.scoring.predictions";
    public static final String BATCH_SIZE = "streamtune.scoring.batch.size";
    public static final String SWAPS = "streamtune.scoring.model.swaps";
    public static final String SWAP_TIME = "streamtune.scoring.model.swap.time";
    public static final String REJECTED = "streamtune.scoring.model.rejected";
    public static final String MODEL_AGE = "streamtune.scoring.model.age";
    public static final String MODEL_VERSION = "streamtune.scoring.model.version";
    public static final String DLQ = "streamtune.scoring.dlq";
    public static final String ENCODER_PENDING = "streamtune.scoring.encoder.pending";
    public static final String HANDLER_ERRORS = "streamtune.scoring.handler.errors";
    public static final String EVENTS_HELD = "streamtune.scoring.events.held";
    public static final String ALREADY_SCORED = "streamtune.scoring.events.already.scored";

    public static final String TAG_TASK = "task";
    public static final String TAG_VERSION = "model.version";
    public static final String TAG_REASON = "reason";
    public static final String TAG_OUTCOME = "outcome";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> batches = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> servedVersion = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> modelCreatedAt = new ConcurrentHashMap<>();
    /** Per task, per stream task (partition): events held because no version may serve them. */
    private final Map<String, Map<String, Integer>> held = new ConcurrentHashMap<>();

    public ScoringMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Meters that go nowhere, for tests and tools that do not serve metrics. */
    public static ScoringMetrics noop() {
        return new ScoringMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void eventReceived(String task) {
        counter(EVENTS, "events read from <task>.events", TAG_TASK, task).increment();
    }

    public void predicted(String task, long version, int n) {
        counter(
                        PREDICTIONS,
                        "predictions written, by the version that made them",
                        TAG_TASK,
                        task,
                        TAG_VERSION,
                        Long.toString(version))
                .increment(n);
    }

    /** End-to-end latency: event time to the moment its prediction is made. */
    public void latency(String task, long millis) {
        latency.computeIfAbsent(
                        task,
                        t -> Timer.builder(LATENCY)
                                .description("event timestamp to prediction")
                                .tag(TAG_TASK, t)
                                .publishPercentileHistogram()
                                .publishPercentiles(0.5, 0.99)
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofMinutes(1))
                                .register(registry))
                .record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    public void batch(String task, int size) {
        batches.computeIfAbsent(
                        task,
                        t -> DistributionSummary.builder(BATCH_SIZE)
                                .description("events per encoder call")
                                .tag(TAG_TASK, t)
                                .register(registry))
                .record(size);
    }

    /**
     * Batches submitted to the encoder workers and not finished. At its bound (two per worker)
     * the encoders are the bottleneck and the stream threads wait for them.
     */
    public void encoderPending(IntSupplier pending) {
        // Strong reference: the supplier is a lambda nobody else holds, and gauges hold weak ones by default.
        Gauge.builder(ENCODER_PENDING, pending, IntSupplier::getAsInt)
                .strongReference(true)
                .description("batches submitted to the encoder workers and not finished (at most 2 per worker)")
                .register(registry);
    }

    /**
     * Events read again below the offset their partition's committed state had reached (the group's committed
     * offset was behind its committed outputs), skipped instead of being scored twice.
     */
    public void alreadyScored(String task) {
        counter(
                        ALREADY_SCORED,
                        "events read again below their partition's committed progress and skipped (not scored"
                                + " twice)",
                        TAG_TASK,
                        task)
                .increment();
    }

    public void deadLetter(String task, Reason reason) {
        counter(DLQ, "records sent to <task>.dlq", TAG_TASK, task, TAG_REASON, reason.name())
                .increment();
    }

    public void swapped(String task, long version, long createdAtMillis, Duration loadTime) {
        counter(SWAPS, "model versions swapped into service", TAG_TASK, task).increment();
        Timer.builder(SWAP_TIME)
                .description("receipt of a model record to its swap into service (parse, checks, load, warm-up)")
                .tag(TAG_TASK, task)
                .register(registry)
                .record(loadTime);
        servedVersion
                .computeIfAbsent(task, t -> {
                    AtomicLong v = new AtomicLong();
                    Gauge.builder(MODEL_VERSION, v, AtomicLong::get)
                            .description("model version in service")
                            .tag(TAG_TASK, t)
                            .register(registry);
                    return v;
                })
                .set(version);
        modelCreatedAt
                .computeIfAbsent(task, t -> {
                    AtomicLong created = new AtomicLong();
                    Gauge.builder(MODEL_AGE, created, c -> (System.currentTimeMillis() - c.get()) / 1000.0)
                            .description("age of the model version in service (since its creation)")
                            .baseUnit("seconds")
                            .tag(TAG_TASK, t)
                            .register(registry);
                    return created;
                })
                .set(createdAtMillis);
    }

    public void rejected(String task, String reason) {
        counter(
                        REJECTED,
                        "model versions that failed validation and were not served",
                        TAG_TASK,
                        task,
                        TAG_REASON,
                        reason)
                .increment();
    }

    /**
     * Events of one partition (stream task {@code partition}) held because no model version may serve
     * them: none in service yet, or only one older than the partition already used.
     */
    public void held(String task, String partition, int events) {
        held.computeIfAbsent(task, t -> {
                    Map<String, Integer> byPartition = new ConcurrentHashMap<>();
                    Gauge.builder(
                                    EVENTS_HELD,
                                    byPartition,
                                    m -> m.values().stream()
                                            .mapToInt(Integer::intValue)
                                            .sum())
                            .description("events held because no model version may serve them")
                            .tag(TAG_TASK, t)
                            .register(registry);
                    return byPartition;
                })
                .put(partition, events);
    }

    /** Events of a task held because no model version may serve them, over this instance's partitions. */
    public int heldEvents(String task) {
        Map<String, Integer> m = held.get(task);
        return m == null ? 0 : m.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * An exception handler fired; {@code outcome} is deserialization, processing, refused (a write over the topic's
     * {@code max.message.bytes}) or production (any other failed write).
     */
    public void handlerError(String outcome) {
        counter(HANDLER_ERRORS, "records that reached a Kafka Streams exception handler", TAG_OUTCOME, outcome)
                .increment();
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
}
