package io.streamtune.common.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.streamtune.common.topic.TopicLayout;
import io.streamtune.common.topic.TopicSpec;

/**
 * The validated configuration of a streamtune deployment: Kafka client settings, topic layout
 * and the tasks. Layers: defaults &lt; file &lt; environment &lt; explicit overrides (flags).
 *
 * <pre>{@code
 * StreamtuneConfig cfg = StreamtuneConfig.load(Path.of("streamtune.yaml"), System.getenv(), Map.of());
 * TaskConfig reviews = cfg.task("reviews").orElseThrow();
 * }</pre>
 *
 * <p>Environment: {@code STREAMTUNE_BOOTSTRAP_SERVERS} sets {@code kafka.bootstrap.servers};
 * {@code STREAMTUNE_KAFKA_<KEY>} sets {@code kafka.<key>} (see {@link #kafkaKey}: lower case, {@code _}
 * becomes {@code .}, {@code __} an underscore, {@code ___} a dash).
 */
public final class StreamtuneConfig {
    private static final Pattern TASK_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    /** Environment variables with this prefix set Kafka client settings (see {@link #kafkaKey}). */
    public static final String KAFKA_ENV_PREFIX = "STREAMTUNE_KAFKA_";

    // ---- task settings (relative to one entry of "tasks") ----
    public static final Setting<String> TASK_NAME_SETTING =
            Setting.string("name", null, "task name: lower-case letters, digits, - and _; prefixes the task's topics");
    public static final Setting<Modality> MODALITY =
            Setting.enumeration("modality", Modality.class, Modality.TEXT, "what the task classifies");
    public static final Setting<String> ENCODER = Setting.string(
            "encoder",
            "all-minilm-l6-v2",
            "pretrained encoder id (see `streamtune bench encoder --help`), or {id, precision}");
    public static final Setting<String> ENCODER_ID = Setting.string(
            "encoder.id", "all-minilm-l6-v2", "the encoder id when encoder is written as {id, precision}");
    public static final Setting<Precision> ENCODER_PRECISION = Setting.enumeration(
            "encoder.precision",
            Precision.class,
            Precision.FP32,
            "fp32, or int8: the encoder's int8 export (all-minilm-l6-v2, bge-small-en-v1.5), about twice as fast");
    public static final Setting<Integer> MAX_SEQUENCE_LENGTH =
            Setting.integer("maxSequenceLength", 128, 8, 512, "tokens per text; longer texts are truncated");
    public static final Setting<Integer> MAX_TEXT_CHARS = Setting.integer(
            "maxTextChars",
            5_000,
            1,
            1_000_000,
            "texts of more characters (Unicode code points) are rejected with TEXT_TOO_LONG");
    public static final Setting<Integer> MAX_IMAGE_BYTES = Setting.integer(
            "maxImageBytes",
            512 << 10,
            1,
            64 << 20,
            "larger images are rejected with IMAGE_TOO_LARGE; in base64 (4/3) plus 16 KiB it must fit"
                    + " limits.recordBytes");
    public static final Setting<Integer> RETRAIN_EVERY =
            Setting.integer("window.retrainEvery", 500, 1, 10_000_000, "retrain after this many new examples");
    public static final Setting<Duration> MAX_WAIT = Setting.duration(
            "window.maxWait",
            Duration.ofMinutes(5),
            Duration.ofMillis(100),
            "or after this long since the last training ...");
    public static final Setting<Integer> MIN_NEW =
            Setting.integer("window.minNew", 50, 1, 10_000_000, "... if at least this many new examples arrived");
    public static final Setting<Integer> WINDOW_SIZE =
            Setting.integer("window.size", 20_000, 10, 10_000_000, "train on the most recent this many examples");
    public static final Setting<Integer> HOLDOUT_PERCENT = Setting.integer(
            "window.holdoutPercent", 10, 1, 50, "share of examples, by id hash, kept for the promotion gate");
    public static final Setting<Double> GATE_TOLERANCE = Setting.decimal(
            "gate.tolerance", 0.005, 0.0, 1.0, "challenger macro-F1 may trail the champion's by this much");
    public static final Setting<Double> GATE_FLOOR =
            Setting.decimal("gate.floor", 0.0, 0.0, 1.0, "challenger macro-F1 must reach at least this");
    public static final Setting<HeadKind> HEAD_KIND =
            Setting.enumeration("head.kind", HeadKind.class, HeadKind.LINEAR, "classification head");
    public static final Setting<Integer> HEAD_HIDDEN =
            Setting.integer("head.hiddenUnits", 256, 1, 8192, "hidden units of the mlp head");
    public static final Setting<Integer> HEAD_EPOCHS = Setting.integer(
            "head.maxEpochs", 40, 1, 10_000, "most epochs per training (early stopping may end sooner)");
    public static final Setting<Integer> HEAD_BATCH =
            Setting.integer("head.batchSize", 64, 1, 65_536, "mini-batch size");
    public static final Setting<Double> HEAD_LR =
            Setting.decimal("head.learningRate", 0.003, 1e-7, 10.0, "Adam learning rate");
    public static final Setting<Integer> HEAD_PATIENCE =
            Setting.integer("head.patience", 5, 1, 1_000, "epochs without validation gain before stopping");
    public static final Setting<Integer> HEAD_SEED =
            Setting.integer("head.seed", 42, 0, Integer.MAX_VALUE, "random seed (training is deterministic on CPU)");
    public static final Setting<ClassWeighting> HEAD_CLASS_WEIGHTS = Setting.enumeration(
            "head.classWeights",
            ClassWeighting.class,
            ClassWeighting.BALANCED,
            "balanced: inverse label frequency (macro-F1, rare labels); none: every example weighs 1 (accuracy)");
    public static final Setting<Device> HEAD_DEVICE = Setting.enumeration(
            "head.device", Device.class, Device.AUTO, "where the head trains: auto picks the GPU when present");

    // ---- topic layout ----
    public static final Setting<Integer> TOPIC_PARTITIONS =
            Setting.integer("partitions", 3, 1, 10_000, "partitions of each task topic (scoring parallelism)");
    public static final Setting<Integer> TOPIC_REPLICATION = Setting.integer(
            "replicationFactor",
            1,
            1,
            16,
            "replication factor of created topics: 1 on a single broker (embedded, compose), 3 on a real cluster");

    /** The {@code topics} section's settings, for {@code streamtune config docs}. */
    public static final List<Setting<?>> TOPIC_SETTINGS = List.of(TOPIC_PARTITIONS, TOPIC_REPLICATION);

    /** Every declared task setting, for docs and {@code streamtune config docs}. */
    public static final List<Setting<?>> TASK_SETTINGS = List.of(
            TASK_NAME_SETTING,
            MODALITY,
            ENCODER,
            ENCODER_ID,
            ENCODER_PRECISION,
            MAX_SEQUENCE_LENGTH,
            MAX_TEXT_CHARS,
            MAX_IMAGE_BYTES,
            RETRAIN_EVERY,
            MAX_WAIT,
            MIN_NEW,
            WINDOW_SIZE,
            HOLDOUT_PERCENT,
            GATE_TOLERANCE,
            GATE_FLOOR,
            HEAD_KIND,
            HEAD_HIDDEN,
            HEAD_EPOCHS,
            HEAD_BATCH,
            HEAD_LR,
            HEAD_PATIENCE,
            HEAD_SEED,
            HEAD_DEVICE,
            HEAD_CLASS_WEIGHTS);

    /** Every key a task entry may hold (besides {@code labels}): what {@link #parse} refuses others against. */
    private static final List<Setting<?>> TASK_KEYS = java.util.stream.Stream.of(
                    TASK_SETTINGS, MonitorPolicy.SETTINGS, FinetuneSettings.ALL, ImageSettings.ALL, CnnSettings.ALL)
            .flatMap(List::stream)
            .toList();

    private final Map<String, String> kafka;
    private final Limits limits;
    private final ArtifactSettings artifacts;
    private final Map<String, TaskConfig> tasks;
    private final int partitions;
    private final short replicationFactor;
    private final JsonNode root;

    private StreamtuneConfig(
            Map<String, String> kafka,
            Limits limits,
            ArtifactSettings artifacts,
            Map<String, TaskConfig> tasks,
            int partitions,
            short replicationFactor,
            JsonNode root) {
        this.kafka = Map.copyOf(kafka);
        this.limits = limits;
        this.artifacts = artifacts;
        this.tasks = tasks;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.root = root;
    }

    /** Loads and validates a YAML file; {@code overrides} are Kafka settings given on the command line. */
    public static StreamtuneConfig load(Path file, Map<String, String> env, Map<String, String> overrides)
            throws ConfigException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file.toAbsolutePath()
                    + " does not exist (pass --config FILE; see config/streamtune.yaml)");
        }
        try {
            return parse(Files.readString(file), env, overrides);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    /** Parses and validates YAML text. */
    public static StreamtuneConfig parse(String yaml, Map<String, String> env, Map<String, String> overrides)
            throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException("the config file is not valid YAML: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = MissingNode.getInstance();
        }
        List<String> problems = new ArrayList<>();
        Set<String> known = Set.of(
                "kafka",
                "limits",
                "artifacts",
                "topics",
                "tasks",
                "trainer",
                "scoring",
                "monitoring",
                "metrics",
                "demo");
        root.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                problems.add(k + ": unknown section (known: " + known + ")");
            }
        });

        Map<String, String> kafka = new LinkedHashMap<>();
        JsonNode kafkaNode = root.path("kafka");
        kafkaNode
                .fields()
                .forEachRemaining(e -> kafka.put(e.getKey(), e.getValue().asText()));
        env.forEach((k, v) -> {
            if (k.equals("STREAMTUNE_BOOTSTRAP_SERVERS")) {
                kafka.put("bootstrap.servers", v);
            } else if (k.startsWith(KAFKA_ENV_PREFIX) && !k.endsWith("_LOG_LEVEL")) {
                String key = kafkaKey(k.substring(KAFKA_ENV_PREFIX.length()));
                if (key == null) {
                    problems.add(k + ": four or more underscores in a row name no Kafka setting"
                            + " (_ is '.', __ is '_', ___ is '-')");
                } else {
                    kafka.put(key, v);
                }
            }
        });
        kafka.putAll(overrides);
        kafka.putIfAbsent("bootstrap.servers", "localhost:9092");

        Limits limits = new Limits(Limits.RECORD_BYTES.read(root.path(Limits.SECTION), Limits.SECTION, problems));

        JsonNode artifactsNode = root.path(ArtifactSettings.SECTION);
        Setting.refuseUnknown(artifactsNode, ArtifactSettings.SECTION, ArtifactSettings.SETTINGS, Set.of(), problems);
        String artifactsDir = env.containsKey(ArtifactSettings.DIR_ENV)
                ? env.get(ArtifactSettings.DIR_ENV)
                : ArtifactSettings.DIR.read(artifactsNode, ArtifactSettings.SECTION, problems);
        if (artifactsDir == null || artifactsDir.isBlank()) {
            problems.add(ArtifactSettings.SECTION + "." + ArtifactSettings.DIR.key() + ": give a directory");
            artifactsDir = ArtifactSettings.DIR.defaultValue();
        }
        ArtifactSettings artifacts = new ArtifactSettings(
                Path.of(artifactsDir),
                ArtifactSettings.INLINE_MAX_BYTES.read(artifactsNode, ArtifactSettings.SECTION, problems),
                ArtifactSettings.GC_MIN_AGE.read(artifactsNode, ArtifactSettings.SECTION, problems));

        JsonNode topicsNode = root.path("topics");
        int partitions = TOPIC_PARTITIONS.read(topicsNode, "topics", problems);
        int replication = TOPIC_REPLICATION.read(topicsNode, "topics", problems);

        Map<String, TaskConfig> tasks = new LinkedHashMap<>();
        JsonNode tasksNode = root.path("tasks");
        if (!tasksNode.isArray() || tasksNode.isEmpty()) {
            problems.add("tasks: declare at least one task (a list of {name, labels, ...})");
        } else {
            for (int i = 0; i < tasksNode.size(); i++) {
                TaskConfig t = readTask(tasksNode.get(i), "tasks[" + i + "]", problems);
                if (t != null && tasks.putIfAbsent(t.name(), t) != null) {
                    problems.add("tasks[" + i + "].name: task '" + t.name() + "' is declared twice");
                }
                if (t != null && t.modality() == Modality.IMAGE && t.maxImageBytes() > limits.maxImageBytes()) {
                    problems.add("tasks[" + i + "] (" + t.name() + ")." + MAX_IMAGE_BYTES.key() + ": "
                            + t.maxImageBytes() + " bytes are " + Limits.base64Length(t.maxImageBytes())
                            + " in base64, which with "
                            + Limits.IMAGE_RECORD_MARGIN_BYTES + " bytes for the rest of the record do not fit "
                            + Limits.SECTION + "." + Limits.RECORD_BYTES.key() + " " + limits.recordBytes()
                            + "; lower it to at most " + limits.maxImageBytes() + " or raise the record limit");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StreamtuneConfig(
                kafka,
                limits,
                artifacts,
                java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(tasks)),
                partitions,
                (short) replication,
                root);
    }

    private static TaskConfig readTask(JsonNode n, String prefix, List<String> problems) {
        int before = problems.size();
        String name = TASK_NAME_SETTING.read(n, prefix, problems);
        if (name == null) {
            problems.add(prefix + ".name: every task needs a name");
        } else if (!TASK_NAME.matcher(name).matches()) {
            problems.add(
                    prefix + ".name: '" + name + "' must match " + TASK_NAME.pattern() + " (it prefixes topic names)");
        }
        String where = name == null ? prefix : prefix + " (" + name + ")";
        List<String> labels = new ArrayList<>();
        JsonNode labelsNode = n.path("labels");
        if (!labelsNode.isArray() || labelsNode.size() < 2) {
            problems.add(
                    where + ".labels: give an ordered list of at least two labels, e.g. [negative, neutral, positive]");
        } else {
            Set<String> seen = new HashSet<>();
            labelsNode.forEach(l -> {
                String label = l.asText().trim();
                if (label.isEmpty() || !seen.add(label)) {
                    problems.add(where + ".labels: '" + label + "' is empty or repeated");
                }
                labels.add(label);
            });
        }
        Modality modality = MODALITY.read(n, where, problems);
        WindowPolicy window = new WindowPolicy(
                RETRAIN_EVERY.read(n, where, problems),
                MAX_WAIT.read(n, where, problems),
                MIN_NEW.read(n, where, problems),
                WINDOW_SIZE.read(n, where, problems),
                HOLDOUT_PERCENT.read(n, where, problems));
        GatePolicy gate = new GatePolicy(GATE_TOLERANCE.read(n, where, problems), GATE_FLOOR.read(n, where, problems));
        HeadPolicy head = new HeadPolicy(
                HEAD_KIND.read(n, where, problems),
                HEAD_HIDDEN.read(n, where, problems),
                HEAD_EPOCHS.read(n, where, problems),
                HEAD_BATCH.read(n, where, problems),
                HEAD_LR.read(n, where, problems),
                HEAD_PATIENCE.read(n, where, problems),
                HEAD_SEED.read(n, where, problems),
                HEAD_DEVICE.read(n, where, problems),
                HEAD_CLASS_WEIGHTS.read(n, where, problems));
        MonitorPolicy monitor = MonitorPolicy.read(n, where, labels, problems);
        // image.* and cnn.* are read (and checked) for image tasks only; a text task keeps the defaults.
        ImagePolicy image = modality == Modality.IMAGE ? ImageSettings.read(n, where, problems) : null;
        CnnPolicy cnn = modality == Modality.IMAGE ? CnnSettings.read(n, where, problems) : null;
        FinetunePolicy finetune = FinetuneSettings.readPolicy(n, where, problems);
        if (finetune.enabled() && modality != Modality.TEXT) {
            problems.add(where + "." + FinetuneSettings.MODE.key() + ": "
                    + finetune.mode().name().toLowerCase(Locale.ROOT) + " fine-tunes a text encoder; a "
                    + modality.name().toLowerCase(Locale.ROOT) + " task takes none");
        }
        String encoder = readEncoder(n, where, problems);
        if (finetune.enabled() && encoder != null && EncoderPrecisions.precisionOf(encoder) == Precision.INT8) {
            problems.add(where + "." + FinetuneSettings.MODE.key() + ": encoder " + encoder + " is int8-quantized and"
                    + " cannot be fine-tuned; use precision fp32 (encoder "
                    + EncoderPrecisions.atPrecision(encoder, Precision.FP32).orElse("?") + ")");
        }
        Setting.refuseUnknown(n, where, TASK_KEYS, Set.of("labels"), problems);
        if (problems.size() > before) {
            return null;
        }
        return new TaskConfig(
                name,
                modality,
                labels,
                encoder,
                MAX_SEQUENCE_LENGTH.read(n, where, problems),
                MAX_TEXT_CHARS.read(n, where, problems),
                MAX_IMAGE_BYTES.read(n, where, problems),
                window,
                gate,
                head,
                monitor,
                image,
                cnn,
                finetune);
    }

    /**
     * The id of the encoder a task trains and serves on, precision applied. {@code encoder} is an id
     * ({@code all-minilm-l6-v2}; an int8 id such as {@code all-minilm-l6-v2-q} means int8) or an object
     * {@code {id, precision}}; int8 resolves to the encoder's int8 export, so the precision is in the id
     * every model version records. Ids this build does not know are left to the services, which refuse
     * them when they open the encoder.
     */
    private static String readEncoder(JsonNode task, String where, List<String> problems) {
        JsonNode node = task.path(ENCODER.key());
        if (!node.isObject()) {
            return ENCODER.read(task, where, problems);
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!k.equals("id") && !k.equals("precision")) {
                // Setting.refuseUnknown stops at "encoder" (a declared key, the id written alone): the object's
                // keys are checked here, in the same words.
                problems.add(where + ".encoder." + k + ": unknown setting (known under encoder here: id, precision;"
                        + " maxSequenceLength is the task's own key)");
            }
        });
        String id = ENCODER_ID.read(task, where, problems);
        if (node.path("precision").isMissingNode()) {
            return id;
        }
        Precision precision = ENCODER_PRECISION.read(task, where, problems);
        if (EncoderPrecisions.precisionOf(id) == precision) {
            return id;
        }
        Optional<String> variant = EncoderPrecisions.atPrecision(id, precision);
        if (variant.isPresent()) {
            if (precision == Precision.FP32) {
                problems.add(
                        where + ".encoder.precision: fp32 contradicts encoder.id " + id + ", which is an int8 export;"
                                + " write id " + variant.get() + " with precision fp32, or precision int8");
                return id;
            }
            return variant.get();
        }
        problems.add(where + ".encoder.precision: int8 is not available for encoder " + id
                + " (no int8 export of it ships;" + " int8 exists for " + EncoderPrecisions.withInt8()
                + "); use precision fp32 or one of those encoders");
        return id;
    }

    /**
     * The Kafka setting an environment variable names, after {@code STREAMTUNE_KAFKA_}: lower case,
     * {@code _} is {@code .}, {@code __} is {@code _} and {@code ___} is {@code -}, the convention of
     * the {@code apache/kafka} image's {@code KAFKA_*} variables, so one compose file reads alike for
     * broker and services. {@code SASL_JAAS_CONFIG} is {@code sasl.jaas.config}; {@code SSL_KEYSTORE_LOCATION}
     * is {@code ssl.keystore.location}. Returns null for four or more underscores in a row.
     * ({@code STREAMTUNE_KAFKA_LOG_LEVEL} is a logging variable, not a client setting.)
     */
    public static String kafkaKey(String envSuffix) {
        StringBuilder key = new StringBuilder();
        int i = 0;
        while (i < envSuffix.length()) {
            char c = envSuffix.charAt(i);
            if (c != '_') {
                key.append(Character.toLowerCase(c));
                i++;
                continue;
            }
            int run = 0;
            while (i < envSuffix.length() && envSuffix.charAt(i) == '_') {
                run++;
                i++;
            }
            switch (run) {
                case 1 -> key.append('.');
                case 2 -> key.append('_');
                case 3 -> key.append('-');
                default -> {
                    return null;
                }
            }
        }
        return key.toString();
    }

    /**
     * Settings passed through to every Kafka client (bootstrap.servers at least); clients are built from
     * them by {@link io.streamtune.common.kafka.KafkaClients} only.
     */
    public Map<String, String> kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.get("bootstrap.servers");
    }

    /** Where large weights are kept (section {@code artifacts}). */
    public ArtifactSettings artifacts() {
        return artifacts;
    }

    /** The record size limits (section {@code limits}). */
    public Limits limits() {
        return limits;
    }

    /**
     * The configured tasks by name, iterated in name order in every JVM. Kafka Streams numbers sub-topologies
     * (and so its tasks 0_1, 1_1, ...) in the order they are added: an order that changed between JVMs
     * (it did, with {@code Map.copyOf}) gave a scorer restarted with its static membership id an assignment
     * for another topology ("Topic reviews.events is unknown to the topology"), and two instances could
     * build different topologies. Every topology builder iterates this map.
     */
    public Map<String, TaskConfig> tasks() {
        return tasks;
    }

    public Optional<TaskConfig> task(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    /** The task, or an error that lists the configured ones. */
    public TaskConfig requireTask(String name) throws ConfigException {
        TaskConfig t = tasks.get(name);
        if (t == null) {
            throw new ConfigException("task '" + name + "' is not configured (configured: " + tasks.keySet() + ")");
        }
        return t;
    }

    /** Every topic the configured tasks need, with its layout (README, Topics). */
    public List<TopicSpec> topicLayout() {
        return TopicLayout.forTasks(
                tasks.keySet(), partitions, replicationFactor, limits.writeBytes(), Limits.modelWriteBytes());
    }

    public int partitions() {
        return partitions;
    }

    public short replicationFactor() {
        return replicationFactor;
    }

    /** A service's own section ({@code trainer}, {@code scoring}, ...), read with that service's {@link Setting}s. */
    public JsonNode section(String name) {
        return root.path(name);
    }
}
