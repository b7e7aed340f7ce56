package io.streamtune.trainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.Setting;
import io.streamtune.common.config.StreamtuneConfig;

/**
 * The trainer's own settings, from the {@code trainer} section of the configuration file.
 *
 * <pre>{@code
 * trainer:
 *   pollTimeout: 200ms
 *   encoderCacheSize: 50000
 *   metricsPort: 9400
 * }</pre>
 */
public record TrainerSettings(
        Duration pollTimeout,
        Duration commitInterval,
        int maxPendingDeadLetters,
        int encoderCacheSize,
        int minHoldout,
        double validationFraction,
        int metricsPort,
        Duration closeTimeout,
        boolean createTopics,
        String instanceId) {

    public static final String SECTION = "trainer";

    public static final Setting<Duration> POLL_TIMEOUT = Setting.duration(
            "pollTimeout", Duration.ofMillis(200), Duration.ofMillis(1), "longest wait for new examples in one poll");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration(
            "commitInterval",
            Duration.ofSeconds(1),
            Duration.ofMillis(1),
            "dead letters waiting this long are committed (with the offsets that pass them) without waiting for a training");
    public static final Setting<Integer> MAX_PENDING_DEAD_LETTERS = Setting.integer(
            "maxPendingDeadLetters", 1_000, 1, 1_000_000, "dead letters held before they are committed at once");
    public static final Setting<Integer> ENCODER_CACHE_SIZE = Setting.integer(
            "encoderCacheSize",
            50_000,
            1,
            10_000_000,
            "embeddings cached per task; keep it above window.size plus the holdout so a sliding window is not re-encoded");
    public static final Setting<Integer> MIN_HOLDOUT = Setting.integer(
            "minHoldout", 10, 1, 1_000_000, "holdout examples needed before a challenger is trained and judged");
    public static final Setting<Double> VALIDATION_FRACTION = Setting.decimal(
            "validationFraction", 0.1, 0.0, 0.9, "share of the training window used for early stopping");
    public static final Setting<Integer> METRICS_PORT = Setting.integer(
            "metricsPort", 9400, -1, 65_535, "port of /metrics and /health; 0 picks a free one, -1 serves nothing");
    public static final Setting<Duration> CLOSE_TIMEOUT = Setting.duration(
            "closeTimeout",
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            "how long a shutdown waits for a training in progress");
    public static final Setting<Boolean> CREATE_TOPICS =
            Setting.bool("createTopics", true, "create missing topics of the layout at start");
    public static final Setting<String> INSTANCE_ID = Setting.string(
            "instanceId",
            "",
            "distinguishes trainers of the same task set; part of the transactional id and consumer group");

    public static final List<Setting<?>> ALL = List.of(
            POLL_TIMEOUT,
            COMMIT_INTERVAL,
            MAX_PENDING_DEAD_LETTERS,
            ENCODER_CACHE_SIZE,
            MIN_HOLDOUT,
            VALIDATION_FRACTION,
            METRICS_PORT,
            CLOSE_TIMEOUT,
            CREATE_TOPICS,
            INSTANCE_ID);

    /** Reads and validates the section, reporting every problem (unknown keys included) at once. */
    public static TrainerSettings from(StreamtuneConfig config) throws ConfigException {
        JsonNode section = config.section(SECTION);
        List<String> problems = new ArrayList<>();
        Set<String> known = ALL.stream().map(Setting::key).collect(Collectors.toSet());
        section.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                problems.add(SECTION + "." + k + ": unknown setting (known: "
                        + known.stream().sorted().toList() + ")");
            }
        });
        TrainerSettings s = new TrainerSettings(
                POLL_TIMEOUT.read(section, SECTION, problems),
                COMMIT_INTERVAL.read(section, SECTION, problems),
                MAX_PENDING_DEAD_LETTERS.read(section, SECTION, problems),
                ENCODER_CACHE_SIZE.read(section, SECTION, problems),
                MIN_HOLDOUT.read(section, SECTION, problems),
                VALIDATION_FRACTION.read(section, SECTION, problems),
                METRICS_PORT.read(section, SECTION, problems),
                CLOSE_TIMEOUT.read(section, SECTION, problems),
                CREATE_TOPICS.read(section, SECTION, problems),
                INSTANCE_ID.read(section, SECTION, problems));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return s;
    }
}
