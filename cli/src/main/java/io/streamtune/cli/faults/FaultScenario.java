package io.streamtune.cli.faults;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicAdmin;

/**
 * The fault suite: a broker, a trainer and a scorer, each its own JVM started through the
 * {@code streamtune} command ({@link Supervisor}); a steady feed of events and examples
 * ({@link SteadyFeed}); a read_committed reader that accounts for every event ({@link LedgerReader},
 * {@link DeliveryLedger}); then the steps, each followed by a settle period and a drain of its own
 * events, and a line of figures. The last line the caller prints is the JSON of {@link #run()}.
 *
 * <p>Steps ({@link Step}), in the order given: kill -9 the scorer and restart it; kill -9 the trainer
 * (the first time as soon as its log says it trains a challenger) and restart it; kill -9 the broker
 * and restart it on the same data directory after a while; publish garbage and an older genuine
 * version last on {@code streamtune.models} (trainer stopped) and restart the scorer; inject a 1.2 MB
 * valid event and a 2 MiB malformed record. Every step is preceded by the warm-up: until each task has
 * a version in service.
 */
public final class FaultScenario {

    /** The kinds of step, by the name {@code --steps} uses. */
    public enum Step {
        SCORER_KILL("scorer-kill"),
        TRAINER_KILL("trainer-kill"),
        BROKER_RESTART("broker-restart"),
        BAD_MODEL("bad-model"),
        LARGE_RECORD("large-record");

        private final String id;

        Step(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** The step named {@code id}, e.g. {@code large-record}. */
        public static Step of(String id) {
            for (Step s : values()) {
                if (s.id.equals(id.trim())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown step '" + id + "' (steps: "
                    + java.util.Arrays.stream(values()).map(Step::id).toList() + ")");
        }
    }

    /** The records the large-record step injects. */
    public enum LargeRecord {
        /** A valid event padded to {@link Injections#LARGE_EVENT_BYTES}, on partition 0. */
        EVENT,
        /** A malformed record of {@link Injections#LARGE_MALFORMED_BYTES}, on partition 1. */
        MALFORMED
    }

    /**
     * How to run.
     *
     * @param runDir            where the config, logs, broker data and scorer state go (created)
     * @param eventsPerSecond   events produced per second, all tasks together
     * @param examplesPerSecond labelled examples produced per second, all tasks together
     * @param retrainEvery      {@code window.retrainEvery} of each task
     * @param partitions        partitions of each task topic
     * @param steps             kinds of step, in order
     * @param scorerKills       how many times the scorer step runs
     * @param trainerKills      how many times the trainer step runs (the first waits for a training)
     * @param settle            streaming after each step's fault before its figures are taken
     * @param drain             longest wait for a step's events to be accounted
     * @param brokerDown        how long the broker stays down
     * @param largeRecords      which records the large-record step injects
     * @param largeRecordWait   how long the large-record step watches for the injected records' fate
     * @param startTimeout      longest start of one component
     * @param warmupTimeout     longest wait for the first versions of every task
     * @param seed              seed of the feed's texts
     */
    public record Options(
            Path runDir,
            double eventsPerSecond,
            double examplesPerSecond,
            int retrainEvery,
            int partitions,
            List<Step> steps,
            int scorerKills,
            int trainerKills,
            Duration settle,
            Duration drain,
            Duration brokerDown,
            Set<LargeRecord> largeRecords,
            Duration largeRecordWait,
            Duration startTimeout,
            Duration warmupTimeout,
            long seed) {
        public Options {
            steps = List.copyOf(steps);
            largeRecords = Set.copyOf(largeRecords);
        }
    }

    private static final Duration HEALTH_POLL = Duration.ofMillis(100);
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    /** A drain ends early after this long without one more event accounted. */
    private static final Duration NO_PROGRESS = Duration.ofSeconds(30);

    private static final Pattern TRAINING = Pattern.compile("\\[([a-z0-9_-]+) v(\\d+)\\] training a challenger");
    private static final Pattern DECIDED =
            Pattern.compile("\\[([a-z0-9_-]+) v(\\d+)\\] (published|rejected|training failed|shutting down)");
    private static final Pattern CHAMPION_AT_START =
            Pattern.compile("\\[([a-z0-9_-]+) v(\\d+)\\] champion \\(newest valid version in the model history\\)");

    private final Options options;
    private final PrintStream out;
    private final List<String> tasks =
            FaultRunConfig.TASKS.stream().map(DemoFeed.Domain::task).toList();
    private final DeliveryLedger ledger = new DeliveryLedger();
    private final AtomicInteger currentStep = new AtomicInteger();
    private final List<StepResult> results = new ArrayList<>();

    private Supervisor supervisor;
    private StreamtuneConfig config;
    private Path configFile;
    private KafkaClients clients;
    private int brokerPort;
    private HealthProbe scorerHealth;
    private HealthProbe trainerHealth;
    private ChildProcess broker;
    private ChildProcess trainer;
    private ChildProcess scorer;
    private SteadyFeed feed;
    private LedgerReader reader;

    public FaultScenario(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs the warm-up and the steps, drains, stops every component and returns the report (the JSON
     * object of the last line).
     *
     * @throws Supervisor.ComponentFailedException when a component does not start (the message names it
     *                                             and quotes its log)
     */
    public Map<String, Object> run() throws Exception {
        long t0 = System.currentTimeMillis();
        double loadAtStart = loadAverage();
        Files.createDirectories(options.runDir());
        out.printf(
                Locale.ROOT,
                "run directory %s (config, logs/, broker data, scorer state); load average %.2f on %d cores%n",
                options.runDir().toAbsolutePath(),
                loadAtStart,
                Runtime.getRuntime().availableProcessors());
        try (Supervisor s = new Supervisor(options.runDir(), JvmCommand.STREAMTUNE_MAIN)) {
            supervisor = s;
            try {
                startAll();
                List<Planned> plan = plan();
                warmUp();
                for (int i = 0; i < plan.size(); i++) {
                    StepResult r = plan.get(i).result();
                    out.printf("[%d/%d] %s: %s%n", r.index(), plan.size(), r.name(), r.fault());
                    ensureRunning(r);
                    runStep(plan.get(i));
                    finish(r, i == plan.size() - 1);
                }
                if (plan.isEmpty()) {
                    feed.close();
                }
                return report(t0, loadAtStart);
            } finally {
                shutdown();
            }
        }
    }

    // ---------------------------------------------------------------- start and warm-up

    private void startAll() throws Exception {
        brokerPort = EmbeddedKafkaBroker.freePort();
        FaultRunConfig c = new FaultRunConfig(
                "localhost:" + brokerPort,
                options.runDir().resolve("scorer-state"),
                options.partitions(),
                options.retrainEvery(),
                EmbeddedKafkaBroker.freePort(),
                EmbeddedKafkaBroker.freePort());
        configFile = options.runDir().resolve("streamtune.yaml");
        Files.writeString(configFile, c.yaml(), StandardCharsets.UTF_8);
        config = c.parse();
        clients = KafkaClients.of(config);
        scorerHealth = new HealthProbe(c.scorerMetricsPort());
        trainerHealth = new HealthProbe(c.trainerMetricsPort());
        out.printf("starting the broker (port %d) ...%n", brokerPort);
        broker = launchBroker();
        try (Admin admin = clients.admin()) {
            TopicAdmin.ensure(admin, config.topicLayout());
        }
        reader = new LedgerReader(clients, tasks, ledger);
        reader.start();
        out.printf(
                "starting the trainer (health :%d) and the scorer (health :%d) ...%n",
                trainerHealth.port(), scorerHealth.port());
        trainer = supervisor.launch("trainer", List.of("trainer", "--config", configFile.toString()));
        scorer = supervisor.launch("scorer", List.of("scoring", "--config", configFile.toString()));
        long trainerUp = supervisor.awaitReady(trainer, this::trainerNotRunning, options.startTimeout(), HEALTH_POLL);
        long scorerUp = supervisor.awaitReady(scorer, this::scorerNotRunning, options.startTimeout(), HEALTH_POLL);
        out.printf(
                Locale.ROOT,
                "trainer running after %.1f s, scorer RUNNING after %.1f s%n",
                (trainerUp - trainer.startedAtMillis()) / 1000.0,
                (scorerUp - scorer.startedAtMillis()) / 1000.0);
        feed = new SteadyFeed(
                clients,
                ledger,
                currentStep::get,
                options.eventsPerSecond(),
                options.examplesPerSecond(),
                options.seed());
        feed.start();
    }

    private ChildProcess launchBroker() throws Exception {
        ChildProcess b = supervisor.launch(
                "broker",
                List.of(
                        "broker",
                        "--data",
                        options.runDir().resolve("broker-data").toString(),
                        "--port",
                        Integer.toString(brokerPort)));
        ChildProcess.LogFollower log = b.follow();
        boolean[] ready = {false};
        supervisor.awaitReady(
                b,
                () -> {
                    log.newLines().forEach(l -> ready[0] |= l.contains("Kafka broker ready at"));
                    return ready[0] ? null : "its log does not say \"Kafka broker ready\" yet";
                },
                options.startTimeout(),
                HEALTH_POLL);
        return b;
    }

    /** Null when the scorer's /health says Kafka Streams RUNNING, else what it says. */
    private String scorerNotRunning() throws InterruptedException {
        Optional<JsonNode> h = scorerHealth.read();
        return h.map(x -> "RUNNING".equals(x.path("streams").asText())).orElse(false)
                ? null
                : HealthProbe.summary(h)
                        + h.map(x -> ", Kafka Streams " + x.path("streams").asText())
                                .orElse("");
    }

    /** Null when the scorer's /health says UP with Kafka Streams RUNNING, else what it says. */
    private String scorerNotUp() throws InterruptedException {
        Optional<JsonNode> h = scorerHealth.read();
        return "UP".equals(HealthProbe.status(h)) && scorerNotRunning() == null ? null : HealthProbe.summary(h);
    }

    /**
     * Null when the trainer's loop runs: /health UP, or DEGRADED (running, but its Kafka probe went unanswered:
     * on a loaded machine a 5 s probe can time out while the loop trains and publishes).
     */
    private String trainerNotRunning() throws InterruptedException {
        Optional<JsonNode> h = trainerHealth.read();
        String status = HealthProbe.status(h);
        return status.equals("UP") || status.equals("DEGRADED") ? null : HealthProbe.summary(h);
    }

    /** Null when the trainer's /health says UP. */
    private String trainerNotUp() throws InterruptedException {
        Optional<JsonNode> h = trainerHealth.read();
        return "UP".equals(HealthProbe.status(h)) ? null : HealthProbe.summary(h);
    }

    /**
     * Waits for a component within a step; a component that does not come back is the step's problem (with its
     * log), not the end of the run.
     *
     * @return when it was ready (epoch ms), or null
     */
    private Long awaitInStep(StepResult r, ChildProcess c, Supervisor.ReadyCheck check, String what)
            throws InterruptedException {
        try {
            return supervisor.awaitReady(c, check, options.startTimeout(), HEALTH_POLL);
        } catch (Supervisor.ComponentFailedException e) {
            r.problem(what + ": " + e.getMessage().replace("\n", " / "));
            return null;
        }
    }

    private void warmUp() throws Exception {
        StepResult r = new StepResult(0, "warm-up", "stream until every task has a model version in service");
        out.printf(
                "[0] warm-up: streaming %.0f events/s and %.0f examples/s until every task has a version in service"
                        + " ...%n",
                options.eventsPerSecond(), options.examplesPerSecond());
        long start = System.currentTimeMillis();
        long deadline = start + options.warmupTimeout().toMillis();
        while (true) {
            Map<String, Long> serving = serving();
            if (serving.size() == tasks.size() && serving.values().stream().allMatch(v -> v != null && v > 0)) {
                r.detail("firstVersionsAfterMs", System.currentTimeMillis() - start);
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                r.problem("no version in service for every task after "
                        + options.warmupTimeout().toSeconds() + " s: " + serving + "; trainer log "
                        + trainer.logFile());
                break;
            }
            checkAlive();
            Thread.sleep(500);
        }
        finish(r, false);
    }

    // ---------------------------------------------------------------- steps

    /** One step to run: its kind, which time of its kind it is (1, 2, ...), and its result. */
    private record Planned(Step kind, int occurrence, StepResult result) {}

    private List<Planned> plan() {
        List<Planned> plan = new ArrayList<>();
        for (Step kind : new LinkedHashSet<>(options.steps())) {
            int times = switch (kind) {
                case SCORER_KILL -> options.scorerKills();
                case TRAINER_KILL -> options.trainerKills();
                default -> 1;
            };
            for (int n = 1; n <= times; n++) {
                String name = times > 1 ? kind.id() + " #" + n : kind.id();
                String fault = switch (kind) {
                    case SCORER_KILL -> "kill -9 the scorer, restart it";
                    case TRAINER_KILL ->
                        n == 1
                                ? "kill -9 the trainer while it trains a challenger, restart it"
                                : "kill -9 the trainer, restart it";
                    case BROKER_RESTART ->
                        "kill -9 the broker, restart it on the same data directory after "
                                + options.brokerDown().toSeconds() + " s";
                    case BAD_MODEL ->
                        "stop the trainer; garbage and an older genuine version last on "
                                + TaskTopics.MODELS
                                + "; kill -9 and restart the scorer; restart the trainer";
                    case LARGE_RECORD ->
                        "inject "
                                + String.join(
                                        " and ",
                                        options.largeRecords().stream()
                                                .sorted()
                                                .map(k -> k == LargeRecord.EVENT
                                                        ? "a " + Injections.LARGE_EVENT_BYTES + "-byte valid event"
                                                        : "a " + Injections.LARGE_MALFORMED_BYTES
                                                                + "-byte malformed record")
                                                .toList())
                                + " (zstd, no key, as kcat sends them)";
                };
                plan.add(new Planned(kind, n, new StepResult(plan.size() + 1, name, fault)));
            }
        }
        return plan;
    }

    private void runStep(Planned p) throws Exception {
        StepResult r = p.result();
        switch (p.kind()) {
            case SCORER_KILL -> scorerKill(r);
            case TRAINER_KILL -> trainerKill(r, p.occurrence() == 1);
            case BROKER_RESTART -> brokerRestart(r);
            case BAD_MODEL -> badModel(r);
            case LARGE_RECORD -> largeRecord(r);
            default -> throw new IllegalStateException("no such step " + p.kind());
        }
    }

    private void scorerKill(StepResult r) throws Exception {
        long killAt = System.currentTimeMillis();
        int code = scorer.kill(KILL_WAIT);
        expectSigkill(r, scorer, code);
        long restartAt = System.currentTimeMillis();
        scorer = supervisor.launch("scorer", List.of("scoring", "--config", configFile.toString()));
        Long running = awaitInStep(r, scorer, this::scorerNotRunning, "the restarted scorer");
        if (running != null) {
            r.backToRunning(running - restartAt);
            r.killToRunning(running - killAt);
            scorerPhases(r, scorer, restartAt);
        }
        r.interrupted(killAt, restartAt);
    }

    private void trainerKill(StepResult r, boolean whileTraining) throws Exception {
        if (whileTraining) {
            // Kill as soon as the log says a challenger is being trained (the loop trains one at a time).
            ChildProcess.LogFollower log = trainer.follow();
            log.newLines();
            long until = System.currentTimeMillis()
                    + Math.max(60_000, options.warmupTimeout().toMillis() / 2);
            boolean started = false;
            while (!started && System.currentTimeMillis() < until && trainer.isAlive()) {
                started = log.newLines().stream()
                        .anyMatch(l -> TRAINING.matcher(l).find());
                if (!started) {
                    Thread.sleep(10);
                }
            }
        }
        long killAt = System.currentTimeMillis();
        ChildProcess killed = trainer;
        int code = killed.kill(KILL_WAIT);
        expectSigkill(r, killed, code);
        // Was a training in progress at the kill: a "training a challenger" line with no decision after it?
        String training = null;
        boolean decided = false;
        for (String line : killed.follow().newLines()) {
            Matcher t = TRAINING.matcher(line);
            if (t.find()) {
                training = t.group(1) + " v" + t.group(2);
                decided = false;
            }
            Matcher d = DECIDED.matcher(line);
            if (training != null && d.find() && training.equals(d.group(1) + " v" + d.group(2))) {
                decided = true;
            }
        }
        boolean inTraining = training != null && !decided;
        r.detail("killedWhileTraining", inTraining);
        if (inTraining) {
            r.detail("abandonedChallenger", training);
        } else if (whileTraining) {
            r.detail(
                    "note",
                    training == null
                            ? "no training started in time; killed anyway"
                            : "the training of " + training + " ended before the kill landed");
        }
        long restartAt = System.currentTimeMillis();
        trainer = supervisor.launch("trainer", List.of("trainer", "--config", configFile.toString()));
        Long up = awaitInStep(r, trainer, this::trainerNotRunning, "the restarted trainer");
        if (up != null) {
            r.backToRunning(up - restartAt);
            r.killToRunning(up - killAt);
            r.detail("trainerHealthWhenBack", HealthProbe.summary(trainerHealth.read()));
            trainer.firstLogged("started for tasks").ifPresent(t -> r.detail("trainerStartupMs", t - restartAt));
        }
        if (up != null) {
            // Back at work: the new incarnation's first decision (published or rejected challenger).
            long until = System.currentTimeMillis() + 90_000;
            OptionalLong first = OptionalLong.empty();
            while (first.isEmpty() && System.currentTimeMillis() < until && trainer.isAlive()) {
                Thread.sleep(250);
                first = firstDecision(trainer);
            }
            first.ifPresent(t -> r.detail("firstDecisionAfterRestartMs", t - restartAt));
        }
    }

    private void brokerRestart(StepResult r) throws Exception {
        long killAt = System.currentTimeMillis();
        int code = broker.kill(KILL_WAIT);
        expectSigkill(r, broker, code);
        Set<String> scorerSaid = new LinkedHashSet<>();
        Set<String> trainerSaid = new LinkedHashSet<>();
        long until = killAt + options.brokerDown().toMillis();
        while (System.currentTimeMillis() < until) {
            scorerSaid.add(HealthProbe.summary(scorerHealth.read()));
            trainerSaid.add(HealthProbe.summary(trainerHealth.read()));
            Thread.sleep(500);
        }
        r.detail("scorerHealthWhileDown", List.copyOf(scorerSaid));
        r.detail("trainerHealthWhileDown", List.copyOf(trainerSaid));
        if (scorerSaid.stream().allMatch(s -> s.startsWith("UP"))) {
            r.problem("the scorer's /health said UP throughout the "
                    + options.brokerDown().toSeconds() + " s outage");
        }
        if (trainerSaid.stream().allMatch(s -> s.startsWith("UP"))) {
            r.problem("the trainer's /health said UP throughout the "
                    + options.brokerDown().toSeconds() + " s outage");
        }
        long restartAt = System.currentTimeMillis();
        broker = launchBroker();
        long brokerReady = System.currentTimeMillis();
        r.detail("brokerReadyMs", brokerReady - restartAt);
        ensureRunning(r); // issue 9 #4: a service that gave up during the outage is a problem, and is restarted
        Long scorerUp = awaitInStep(r, scorer, this::scorerNotUp, "the scorer after the broker's restart");
        if (scorerUp != null) {
            r.backToRunning(scorerUp - restartAt);
            r.killToRunning(scorerUp - killAt);
        }
        Long trainerUp = awaitInStep(r, trainer, this::trainerNotUp, "the trainer after the broker's restart");
        if (trainerUp != null) {
            r.detail("trainerUpMs", trainerUp - restartAt);
        }
        r.interrupted(killAt, restartAt);
    }

    private void badModel(StepResult r) throws Exception {
        int code = trainer.stop(Duration.ofSeconds(60));
        r.detail("trainerStoppedWithExitCode", code);
        Map<String, ModelHistory.TaskHistory> history =
                ModelHistory.read(clients, new LinkedHashSet<>(tasks), Duration.ofSeconds(30));
        Map<String, Long> newestValid = new LinkedHashMap<>();
        Map<String, String> injected = new LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            String task = tasks.get(i);
            TaskConfig tc = config.tasks().get(task);
            ModelHistory.TaskHistory h = history.get(task);
            Optional<ModelArtifact> newest = h.newestFitting(tc);
            if (newest.isEmpty()) {
                r.problem("task " + task + " has no published version to protect; step skipped for it");
                continue;
            }
            long v = newest.get().meta().version();
            newestValid.put(task, v);
            ModelArtifact older = h.artifacts().get(h.artifacts().firstKey());
            byte[] garbage = Injections.garbageModel(options.seed() + i);
            // One task gets the older genuine version last, the other the garbage last: both faults of issue 9 #2.
            boolean olderLast = i % 2 == 0;
            List<String> order = new ArrayList<>();
            if (olderLast) {
                Injections.publishModelRecord(clients, task, garbage);
                order.add("garbage");
            }
            if (older.meta().version() < v) {
                Injections.publishModelRecord(clients, task, older.toBytes());
                order.add("v" + older.meta().version() + " (genuine, older than v" + v + ")");
            }
            if (!olderLast) {
                Injections.publishModelRecord(clients, task, garbage);
                order.add("garbage");
            }
            injected.put(task, String.join(", then ", order));
        }
        r.detail("newestValid", newestValid);
        r.detail("published", injected);
        // The live scorer refuses them and keeps its champion.
        long until = System.currentTimeMillis() + 10_000;
        Map<String, Long> live = serving();
        while (System.currentTimeMillis() < until
                && !newestValid.entrySet().stream().allMatch(e -> rejectedSince(e.getKey()))) {
            Thread.sleep(200);
            live = serving();
        }
        r.detail("servingBeforeRestart", live);
        Map<String, String> refused = new LinkedHashMap<>();
        scorerHealth
                .read()
                .ifPresent(h -> tasks.forEach(t -> {
                    JsonNode rej = h.path("tasks").path(t).path("lastRejected");
                    refused.put(
                            t,
                            rej.isObject()
                                    ? "v" + rej.path("version").asText() + " "
                                            + rej.path("reason").asText()
                                    : "nothing");
                }));
        r.detail("liveScorerRefused", refused);
        Map<String, Long> liveFinal = live;
        newestValid.forEach((task, v) -> {
            if (!v.equals(liveFinal.get(task))) {
                r.problem("task " + task + ": the live scorer serves " + version(liveFinal.get(task))
                        + " after the bad records (before any restart); the newest valid version is v" + v);
            }
        });
        long killAt = System.currentTimeMillis();
        int killCode = scorer.kill(KILL_WAIT);
        expectSigkill(r, scorer, killCode);
        long restartAt = System.currentTimeMillis();
        scorer = supervisor.launch("scorer", List.of("scoring", "--config", configFile.toString()));
        Long running = awaitInStep(r, scorer, this::scorerNotRunning, "the restarted scorer");
        if (running != null) {
            r.backToRunning(running - restartAt);
            r.killToRunning(running - killAt);
            scorerPhases(r, scorer, restartAt);
        }
        Map<String, Long> after = serving();
        r.detail("servingAfterRestart", after);
        Thread.sleep(5_000);
        Map<String, Long> later = serving();
        r.detail("servingFiveSecondsLater", later);
        newestValid.forEach((task, v) -> {
            if (!v.equals(after.get(task)) || !v.equals(later.get(task))) {
                r.problem("task " + task + ": after the restart the scorer serves " + version(after.get(task))
                        + " (5 s later "
                        + version(later.get(task)) + "); the newest valid version is v" + v);
            }
        });
        r.detail(
                "newestValidServed",
                newestValid.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(after.get(e.getKey()))
                                && e.getValue().equals(later.get(e.getKey()))));
        trainer = supervisor.launch("trainer", List.of("trainer", "--config", configFile.toString()));
        awaitInStep(r, trainer, this::trainerNotRunning, "the restarted trainer");
        Map<String, Long> champions = new TreeMap<>();
        for (String line : trainer.follow().newLines()) {
            Matcher m = CHAMPION_AT_START.matcher(line);
            if (m.find()) {
                champions.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        r.detail("trainerChampionsAtStart", champions);
        newestValid.forEach((task, v) -> {
            if (!v.equals(champions.get(task))) {
                r.problem("task " + task + ": the restarted trainer's champion is " + version(champions.get(task))
                        + "; the newest valid version is v" + v);
            }
        });
        r.interrupted(killAt, restartAt);
    }

    private boolean rejectedSince(String task) {
        try {
            return scorerHealth
                    .read()
                    .map(h -> !h.path("tasks").path(task).path("lastRejected").isNull()
                            && !h.path("tasks").path(task).path("lastRejected").isMissingNode())
                    .orElse(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void largeRecord(StepResult r) throws Exception {
        String task = tasks.get(tasks.size() - 1);
        String topic = TaskTopics.of(task).events();
        int step = r.index();
        ChildProcess.LogFollower log = scorer.follow();
        log.newLines();
        long at = System.currentTimeMillis();
        // id -> what it is; on different partitions, so that the fate of one does not hide the other's (a stuck
        // partition stops at the first)
        Map<String, String> injected = new LinkedHashMap<>();
        if (options.largeRecords().contains(LargeRecord.EVENT)) {
            String id = task + "-big-1";
            RecordMetadata m = inject(topic, 0, Injections.paddedEvent(id, Injections.LARGE_EVENT_BYTES), id, step, at);
            injected.put(id, "the " + Injections.LARGE_EVENT_BYTES + "-byte valid event");
            r.detail("bigEventAt", topic + "-" + m.partition() + "@" + m.offset());
        }
        if (options.largeRecords().contains(LargeRecord.MALFORMED)) {
            String id = task + "-bad-big-1";
            RecordMetadata m = inject(
                    topic,
                    options.partitions() > 1 ? 1 : 0,
                    Injections.unterminatedJson(id, Injections.LARGE_MALFORMED_BYTES),
                    id,
                    step,
                    at);
            injected.put(id, "the " + Injections.LARGE_MALFORMED_BYTES + "-byte malformed record");
            r.detail("malformedAt", topic + "-" + m.partition() + "@" + m.offset());
        }
        Set<String> healthSeen = new LinkedHashSet<>();
        Set<String> excerpts = new LinkedHashSet<>();
        int threadFailures = 0;
        long until = at + options.largeRecordWait().toMillis();
        long settledAt = -1;
        while (System.currentTimeMillis() < until) {
            healthSeen.add(HealthProbe.summary(scorerHealth.read()));
            for (String line : log.newLines()) {
                if (line.contains("stream thread failed")) {
                    threadFailures++;
                }
                // The lines that say what could not be written where (time stamps cut, so repeats collapse).
                if ((line.contains("cannot write to") || line.contains("RECORD_TOO_LARGE") || line.contains("TooLarge"))
                        && excerpts.size() < 8) {
                    String text = ChildProcess.lineTime(line, at).isPresent() ? line.substring(13) : line;
                    excerpts.add(text.length() <= 300 ? text : text.substring(0, 297) + "...");
                }
            }
            boolean accounted = injected.keySet().stream().allMatch(ledger::accounted);
            boolean flowing =
                    tasks.stream().allMatch(t -> ledger.predictedEventsProducedFrom(at + 1_000, t + "-e-") > 0);
            if (accounted && flowing) {
                if (settledAt < 0) {
                    settledAt = System.currentTimeMillis();
                }
                if (System.currentTimeMillis() - settledAt > 5_000) {
                    break;
                }
            }
            if (!scorer.isAlive()) {
                r.problem("the scorer exited with code " + scorer.exitCode().orElse(-1) + " after the injection");
                break;
            }
            Thread.sleep(500);
        }
        long watched = (System.currentTimeMillis() - at) / 1000;
        r.detail("watchedSeconds", watched);
        injected.forEach((id, what) -> r.detail(id, fate(id)));
        Map<String, Long> after = new LinkedHashMap<>();
        tasks.forEach(t -> after.put(t, ledger.predictedEventsProducedFrom(at + 1_000, t + "-e-")));
        r.detail("eventsProducedAfterTheInjectionPredicted", after);
        r.detail("streamThreadFailures", threadFailures);
        r.detail("scorerHealthSeen", List.copyOf(healthSeen));
        r.detail("scorerLogExcerpts", List.copyOf(excerpts));
        injected.forEach((id, what) -> {
            if (!ledger.accounted(id)) {
                r.problem(what + " (" + id + ") has neither a prediction nor a dead letter after " + watched + " s");
            }
        });
        after.forEach((t, n) -> {
            if (n == 0) {
                r.problem("task " + t + ": no prediction for the events produced after the injection (watched "
                        + watched + " s)");
            }
        });
        if (threadFailures > 0 && healthSeen.stream().allMatch(s -> s.startsWith("UP"))) {
            r.problem("the stream thread failed " + threadFailures + " times but /health said UP throughout");
        }
    }

    private RecordMetadata inject(String topic, int partition, byte[] value, String id, int step, long at)
            throws InterruptedException, ExecutionException, TimeoutException {
        RecordMetadata m = Injections.sendLikeKcat(clients, topic, partition, value);
        reader.expectAt(topic, m.partition(), m.offset(), id);
        ledger.produced(id, DeliveryLedger.Kind.INJECTED, step, at);
        return m;
    }

    private String fate(String id) {
        OptionalLong by = ledger.predictedBy(id);
        Map<String, Integer> dl = ledger.deadLetterReasons(id);
        if (by.isEmpty() && dl.isEmpty()) {
            return "neither a prediction nor a dead letter";
        }
        List<String> parts = new ArrayList<>();
        by.ifPresent(v -> parts.add("predicted by v" + v));
        if (!dl.isEmpty()) {
            parts.add("dead letter " + String.join(", ", dl.keySet()));
        }
        return String.join(" and ", parts);
    }

    // ---------------------------------------------------------------- between steps

    /** When the trainer's log first says a challenger was published or rejected (epoch ms), or empty. */
    private static OptionalLong firstDecision(ChildProcess t) {
        for (String line : t.follow().newLines()) {
            Matcher m = DECIDED.matcher(line);
            if (m.find() && (m.group(3).equals("published") || m.group(3).equals("rejected"))) {
                return ChildProcess.lineTime(line, System.currentTimeMillis());
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Splits a scorer restart in two, from its log: the JVM's start, the encoders, topics and model history up
     * to Kafka Streams' start ({@code startupMs}), and Kafka Streams from its start to RUNNING ({@code
     * streamsToRunningMs}: the group's part, which static membership keeps short).
     */
    private static void scorerPhases(StepResult r, ChildProcess s, long restartAt) {
        OptionalLong streamsStart = s.firstLogged("Kafka Streams CREATED -> REBALANCING");
        OptionalLong running = s.firstLogged("-> RUNNING");
        streamsStart.ifPresent(t -> r.detail("startupMs", t - restartAt));
        if (streamsStart.isPresent() && running.isPresent()) {
            r.detail("streamsToRunningMs", running.getAsLong() - streamsStart.getAsLong());
        }
    }

    /** Restarts a component that exited by itself since the last step, and says so. */
    private void ensureRunning(StepResult r) throws Exception {
        if (!broker.isAlive()) {
            r.problem(exitedNote(broker));
            broker = launchBroker();
        }
        if (!trainer.isAlive()) {
            r.problem(exitedNote(trainer));
            trainer = supervisor.launch("trainer", List.of("trainer", "--config", configFile.toString()));
            awaitInStep(r, trainer, this::trainerNotRunning, "the trainer restarted by the bench");
        }
        if (!scorer.isAlive()) {
            r.problem(exitedNote(scorer));
            scorer = supervisor.launch("scorer", List.of("scoring", "--config", configFile.toString()));
            awaitInStep(r, scorer, this::scorerNotRunning, "the scorer restarted by the bench");
        }
    }

    private void checkAlive() throws Supervisor.ComponentFailedException {
        for (ChildProcess c : List.of(broker, trainer, scorer)) {
            if (!c.isAlive()) {
                throw Supervisor.failed(c, "it exited with code " + c.exitCode().orElse(-1) + " during the warm-up");
            }
        }
    }

    private static String exitedNote(ChildProcess c) {
        List<String> tail = c.lastLines(5);
        return c.name() + " had exited by itself (code " + c.exitCode().orElse(-1) + "); restarted. Last lines of "
                + c.logFile() + ": " + String.join(" / ", tail);
    }

    private static void expectSigkill(StepResult r, ChildProcess c, int code) {
        r.detail("killed", c.name() + " pid " + c.pid() + " exit code " + code);
        if (code != ChildProcess.SIGKILL_EXIT) {
            r.problem(c.name() + " ended with exit code " + code + ", not " + ChildProcess.SIGKILL_EXIT
                    + " (SIGKILL): it had exited before the kill");
        }
    }

    /**
     * Streams for the settle period, closes the step (new records count in the next), waits for its
     * events to be accounted, and prints its line.
     */
    private void finish(StepResult r, boolean last) throws Exception {
        long settleUntil = System.currentTimeMillis() + options.settle().toMillis();
        while (System.currentTimeMillis() < settleUntil) {
            Thread.sleep(200);
        }
        if (last) {
            feed.close();
        }
        currentStep.set(r.index() + 1);
        drain(() -> ledger.accounted(r.index()));
        if (r.interruptedAt() != null) {
            ledger.firstPredictionOfEventsProducedFrom(r.interruptedAt(), "")
                    .ifPresent(t -> r.resumed(t - r.restartedAt()));
        }
        r.serving(serving());
        r.loadAverage(loadAverage());
        results.add(r);
        DeliveryLedger.StepCounts c = ledger.counts(r.index());
        out.printf("[%d] %s: %s%n", r.index(), r.name(), r.line(c));
        r.details().forEach((k, v) -> out.printf("      %s: %s%n", k, v));
        r.problems().forEach(p -> out.printf("      PROBLEM: %s%n", p));
    }

    /**
     * Waits until {@code done}, at most {@code --drain}, and no longer than {@link #NO_PROGRESS} without one more
     * event accounted (a stalled scorer does not come back by waiting).
     */
    private void drain(java.util.function.BooleanSupplier done) throws InterruptedException {
        long until = System.currentTimeMillis() + options.drain().toMillis();
        long open = ledger.unaccounted();
        long progressAt = System.currentTimeMillis();
        while (!done.getAsBoolean()
                && System.currentTimeMillis() < until
                && System.currentTimeMillis() - progressAt < NO_PROGRESS.toMillis()) {
            Thread.sleep(250);
            long now = ledger.unaccounted();
            if (now != open) {
                open = now;
                progressAt = System.currentTimeMillis();
            }
        }
    }

    /** Version in service per task, from the scorer's /health (0: none; empty map: no answer). */
    private Map<String, Long> serving() throws InterruptedException {
        Map<String, Long> v = new LinkedHashMap<>();
        scorerHealth
                .read()
                .ifPresent(h -> tasks.forEach(t -> {
                    JsonNode n = h.path("tasks").path(t).path("version");
                    v.put(t, n.isNumber() ? n.asLong() : 0L);
                }));
        return v;
    }

    private static String version(Long v) {
        return v == null ? "(no answer)" : v <= 0 ? "no version" : "v" + v;
    }

    // ---------------------------------------------------------------- the end

    private Map<String, Object> report(long t0, double loadAtStart) throws Exception {
        out.printf(
                "feed stopped; waiting up to %d s for the last events ...%n",
                options.drain().toSeconds());
        drain(ledger::allAccounted);
        Thread.sleep(2_000); // a duplicate, if one were coming, shows now
        out.println();
        out.printf(
                "%-18s %7s %7s %6s %5s %4s %9s %9s  %s%n",
                "step", "events", "pred", "dlq", "lost", "dup", "RUNNING", "resumed", "serving");
        List<Map<String, Object>> steps = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long events = 0;
        long predictions = 0;
        long deadLetters = 0;
        long lost = 0;
        long duplicated = 0;
        for (StepResult r : results) {
            DeliveryLedger.StepCounts c = ledger.counts(r.index());
            out.printf(
                    "%-18s %7d %7d %6d %5d %4d %9s %9s  %s%n",
                    r.index() + " " + r.name(),
                    c.eventsIn() + c.injectedIn(),
                    c.predictions(),
                    c.deadLetterTotal(),
                    c.lost(),
                    c.duplicated(),
                    StepResult.seconds(r.backToRunningMs()),
                    StepResult.seconds(r.resumedMs()),
                    r.servingText());
            steps.add(r.toMap(c));
            r.problems().forEach(p -> problems.add(r.name() + ": " + p));
            if (c.lost() > 0) {
                problems.add(r.name() + ": " + c.lost() + " lost (neither a prediction nor a dead letter)");
            }
            if (c.duplicated() > 0) {
                problems.add(r.name() + ": " + c.duplicated() + " events with more than one prediction");
            }
            events += c.eventsIn() + c.injectedIn();
            predictions += c.predictions();
            deadLetters += c.deadLetterTotal();
            lost += c.lost();
            duplicated += c.duplicated();
        }
        Map<String, Object> windows = trainerWindows();
        if (!Long.valueOf(0).equals(windows.get("gaps"))
                || !Long.valueOf(0).equals(windows.get("overlaps"))
                || !Long.valueOf(0).equals(windows.get("versionsPublishedTwice"))) {
            problems.add("trainer windows: " + windows);
        }
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("eventsIn", events);
        totals.put("predictions", predictions);
        totals.put("deadLetters", deadLetters);
        totals.put("lost", lost);
        totals.put("duplicated", duplicated);
        totals.put("unexpectedOutcomes", ledger.unexpected());
        totals.put("unreadablePredictions", reader.unreadable());
        totals.put("unmatchedDeadLetters", reader.unmatchedDeadLetters().size());
        totals.put("sendFailures", feed.failed());
        if (feed.error() != null) {
            problems.add("the feed stopped by itself: " + feed.error());
        }
        out.println();
        out.printf("trainer windows: %s%n", windows);
        problems.forEach(p -> out.printf("PROBLEM %s%n", p));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "faults");
        report.put("runDir", options.runDir().toAbsolutePath().toString());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("loadAverageStart", round2(loadAtStart));
        report.put("loadAverageEnd", round2(loadAverage()));
        report.put("seconds", (System.currentTimeMillis() - t0) / 1000);
        report.put("eventsPerSecond", options.eventsPerSecond());
        report.put("examplesPerSecond", options.examplesPerSecond());
        report.put("steps", steps);
        report.put("totals", totals);
        report.put("trainerWindows", windows);
        report.put("problems", problems);
        report.put("passed", problems.isEmpty());
        return report;
    }

    /**
     * Guarantee 1 across trainer kills: the windows of the published versions of each task, per
     * partition, follow each other without gap or overlap, and no version number is published twice.
     * Each gap or overlap is named (task, partition, versions, offsets).
     */
    private Map<String, Object> trainerWindows() {
        Map<String, Object> w = new LinkedHashMap<>();
        try {
            Map<String, ModelHistory.TaskHistory> history =
                    ModelHistory.read(clients, new LinkedHashSet<>(tasks), Duration.ofSeconds(30));
            long published = 0;
            long gaps = 0;
            long overlaps = 0;
            long twice = 0;
            List<String> findings = new ArrayList<>();
            Map<String, Long> newest = new TreeMap<>();
            for (String task : tasks) {
                TreeMap<Long, Integer> numbers = new TreeMap<>();
                Map<Integer, List<long[]>> byPartition = new TreeMap<>(); // {version, from, to}
                for (ModelEvent e : history.get(task).events()) {
                    if (e.decision() != ModelEvent.Decision.PUBLISHED) {
                        continue;
                    }
                    published++;
                    numbers.merge(e.version(), 1, Integer::sum);
                    for (WindowRange range : e.window()) {
                        byPartition
                                .computeIfAbsent(range.partition(), p -> new ArrayList<>())
                                .add(new long[] {e.version(), range.fromOffset(), range.toOffset()});
                    }
                }
                numbers.forEach((v, n) -> {
                    if (n > 1) {
                        findings.add(task + " v" + v + " published " + n + " times");
                    }
                });
                twice += numbers.values().stream().filter(n -> n > 1).count();
                newest.put(task, numbers.isEmpty() ? 0 : numbers.lastKey());
                for (Map.Entry<Integer, List<long[]>> e : byPartition.entrySet()) {
                    List<long[]> ranges = e.getValue();
                    ranges.sort(java.util.Comparator.<long[]>comparingLong(x -> x[0]));
                    for (int i = 1; i < ranges.size(); i++) {
                        long[] prev = ranges.get(i - 1);
                        long[] cur = ranges.get(i);
                        String where = task + ".examples-" + e.getKey() + ": v" + cur[0] + " covers " + cur[1] + ".."
                                + cur[2]
                                + ", v" + prev[0] + " ended at " + prev[2];
                        if (cur[1] > prev[2] + 1) {
                            gaps++;
                            findings.add("gap " + where);
                        } else if (cur[1] <= prev[2]) {
                            overlaps++;
                            findings.add("overlap " + where);
                        }
                    }
                }
            }
            w.put("publishedVersions", published);
            w.put("newest", newest);
            w.put("gaps", gaps);
            w.put("overlaps", overlaps);
            w.put("versionsPublishedTwice", twice);
            w.put("findings", findings.size() <= 10 ? findings : findings.subList(0, 10));
        } catch (RuntimeException e) {
            w.put("error", e.toString());
        }
        return w;
    }

    private void shutdown() {
        try {
            if (feed != null) {
                feed.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            out.println("(the feed did not close cleanly: " + e + ")");
        }
        // Stop in the order a user would: scorer and trainer first (they commit and leave), the broker last.
        for (ChildProcess c : new ChildProcess[] {scorer, trainer, broker}) {
            if (c != null && c.isAlive()) {
                try {
                    c.stop(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    out.println("(could not stop " + c + ": " + e + ")");
                }
            }
        }
        try {
            if (reader != null) {
                reader.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
