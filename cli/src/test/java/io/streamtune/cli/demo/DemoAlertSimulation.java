package io.streamtune.cli.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.monitor.MonitorSettings;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.topology.MonitorTopology;

/**
 * The demo's finance stream, as {@link DemoRun} scripts it for a seed, through the production monitoring topology
 * under TopologyTestDriver with the demo's own configuration, on event time. Only the parts the demo runs for real
 * are stood in for: the model (a prediction is the event's label, replaced by another label with probability
 * {@code 1 - accuracy}) and the scorer's timing (events before the first model are held and released, one scorer
 * partition after the other; later predictions reach the monitor in event-time order, one partition lagging).
 */
final class DemoAlertSimulation {
    private static final String TASK = "finance";
    private static final long EPOCH = 1_764_000_000_000L;

    /**
     * How the parts the simulation does not run behave.
     *
     * @param accuracy      share of predictions that are the event's label (the demo's models: 0.89 to 1.0 live)
     * @param firstModelAt  when the first finance model serves, from the start of the feed: earlier events are held
     * @param partitionLag  how far behind the other the second scorer partition's predictions reach the monitor
     */
    record Scenario(double accuracy, Duration firstModelAt, Duration partitionLag) {}

    /** Surge alerts (entity set) and DRIFT records the monitor wrote, with the run's times. */
    record Outcome(long seed, long start, long end, Surge surge, List<Alert> surgeAlerts) {
        /** Exactly one RAISED then one CLEARED, both for the surging entity, and no other surge alert. */
        boolean oneEpisodeOfTheSurgingEntity() {
            return surgeAlerts.size() == 2
                    && surgeAlerts.get(0).state() == Alert.State.RAISED
                    && surgeAlerts.get(1).state() == Alert.State.CLEARED
                    && surgeAlerts.stream().allMatch(a -> DemoRun.SURGE_ENTITY.equals(a.entity()));
        }

        /** One word for the outcome: ok, not-raised, not-cleared, other-entity or several-episodes. */
        String kind() {
            if (oneEpisodeOfTheSurgingEntity()) {
                return "ok";
            }
            if (surgeAlerts.stream().anyMatch(a -> !DemoRun.SURGE_ENTITY.equals(a.entity()))) {
                return "other-entity";
            }
            long raised = surgeAlerts.stream()
                    .filter(a -> a.state() == Alert.State.RAISED)
                    .count();
            long cleared = surgeAlerts.stream()
                    .filter(a -> a.state() == Alert.State.CLEARED)
                    .count();
            return raised == 0
                    ? "not-raised"
                    : raised > 1 ? "several-episodes" : cleared == 0 ? "not-cleared" : "other";
        }

        /** Seconds from the start of the feed to the end of the window that cleared, or -1. */
        double clearedAtSeconds() {
            return surgeAlerts.stream()
                            .filter(a -> a.state() == Alert.State.CLEARED)
                            .mapToLong(Alert::windowEnd)
                            .map(e -> e - start)
                            .findFirst()
                            .orElse(-1_000)
                    / 1000.0;
        }

        @Override
        public String toString() {
            StringBuilder b =
                    new StringBuilder("seed ").append(seed).append(": ").append(kind());
            if (surge != null) {
                b.append(" (surge ")
                        .append(surge.start().toSeconds())
                        .append("-")
                        .append(surge.end().toSeconds())
                        .append(" s)");
            }
            for (Alert a : surgeAlerts) {
                b.append(String.format(
                        java.util.Locale.ROOT,
                        "%n  %s %s share %.2f of %d in [%.0fs, %.0fs), baseline %.2f",
                        a.state(),
                        a.entity(),
                        a.share(),
                        a.total(),
                        (a.windowStart() - start) / 1000.0,
                        (a.windowEnd() - start) / 1000.0,
                        a.baseline().mean()));
            }
            return b.toString();
        }
    }

    private DemoAlertSimulation() {}

    /**
     * Runs the feed of {@code seed} for {@code duration} at the demo's default rate through the monitor, with the
     * demo's configuration for {@code script} and the surge it starts for the scenario's first model.
     *
     * @param stateDir a fresh directory for the driver's stores
     */
    static Outcome run(long seed, Duration duration, SurgeScript script, Scenario scenario, Path stateDir) {
        if (!script.fits(duration)) {
            return run(seed, duration, script, scenario, null, stateDir);
        }
        Duration start = script.start(duration, scenario.firstModelAt());
        return run(seed, duration, script, scenario, new Surge(start, start.plus(script.length())), stateDir);
    }

    /**
     * As {@link #run(long, Duration, SurgeScript, Scenario, Path)} with the surge at {@code plan} whether or not the
     * script would plan it there ({@code null}: no surge), to show what the monitor makes of a surge placed elsewhere.
     */
    static Outcome run(long seed, Duration duration, SurgeScript script, Scenario scenario, Surge plan, Path stateDir) {
        DemoRun.Options options = new DemoRun.Options(duration, 30, null, "ttd:9092", 150, seed, 0.02, Duration.ZERO);
        DemoRun demo =
                new DemoRun(options, config -> () -> {}, new PrintStream(OutputStream.nullOutputStream()), script);
        StreamtuneConfig config;
        try {
            config = StreamtuneConfig.parse(demo.configYaml("ttd:9092", null), Map.of(), Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        List<String> tasks = List.copyOf(config.tasks().keySet());
        // Windows are aligned to the epoch, the feed is not: vary where in a hop the feed starts.
        long start = EPOCH + Math.floorMod(seed * 7_919, 60_000);
        long end = start + options.duration().toMillis();
        long firstModel = start + scenario.firstModelAt().toMillis();
        DemoRun.Feed feed = new DemoRun.Feed(options, tasks, null, script);
        boolean scripted = plan != null;
        Random model = new Random(seed * 31 + 17);
        List<Delivery> deliveries = new ArrayList<>();
        int partitions = config.partitions();
        for (long sent = 0; ; sent++) {
            long ts = start + sent * 1000 / (long) options.ratePerSecond();
            if (ts >= end) {
                break;
            }
            long elapsed = ts - start;
            boolean surging = scripted
                    && elapsed >= plan.start().toMillis()
                    && elapsed < plan.end().toMillis();
            DemoRun.Feed.Record r = feed.next(surging, ts);
            if (r.kind() != DemoRun.Feed.Kind.EVENT
                    || !r.topic().equals(TaskTopics.of(TASK).events())) {
                continue;
            }
            String label = r.label();
            if (model.nextDouble() >= scenario.accuracy()) {
                List<String> others = new ArrayList<>(DemoFeed.Domain.FINANCE.labels());
                others.remove(label);
                label = others.get(model.nextInt(others.size()));
            }
            int partition = Utils.toPositive(Utils.murmur2(r.key())) % partitions;
            long lag = partition == 0 ? 0 : scenario.partitionLag().toMillis();
            // Held events come out when the first model serves, the first partition's before the second's.
            long arrival = ts < firstModel ? firstModel + lag : ts + lag;
            deliveries.add(new Delivery(arrival, partition, ts, r.id(), r.entity(), label));
        }
        deliveries.sort(Comparator.comparingLong(Delivery::arrival)
                .thenComparingInt(Delivery::partition)
                .thenComparingLong(Delivery::ts));

        MonitorSettings settings = MonitorSettings.defaults();
        Properties props = settings.streamsProperties(config);
        props.put("state.dir", stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(
                MonitorTopology.build(config, settings.liveMetricsInterval(), MonitorMetrics.noop()),
                props,
                Instant.ofEpochMilli(start))) {
            TaskTopics topics = TaskTopics.of(TASK);
            TestInputTopic<byte[], byte[]> predictions =
                    driver.createInputTopic(topics.predictions(), new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> alerts =
                    driver.createOutputTopic(topics.alerts(), new StringDeserializer(), new ByteArrayDeserializer());
            for (Delivery d : deliveries) {
                predictions.pipeInput(d.id().getBytes(StandardCharsets.UTF_8), d.json(), d.ts());
            }
            List<Alert> surgeAlerts = new ArrayList<>();
            for (TestRecord<String, byte[]> rec : alerts.readRecordsToList()) {
                Alert a;
                try {
                    a = Alert.parse(rec.value());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                if (a.entity() != null) {
                    surgeAlerts.add(a);
                }
            }
            return new Outcome(seed, start, end, scripted ? plan : null, surgeAlerts);
        }
    }

    /** When the surge runs, from the start of the feed. */
    record Surge(Duration start, Duration end) {}

    /** A prediction as the scorer writes it, and when it reaches the monitor. */
    private record Delivery(long arrival, int partition, long ts, String id, String entity, String label) {
        byte[] json() {
            ObjectNode p = Json.mapper().createObjectNode();
            p.put("id", id).put("task", TASK).put("label", label);
            p.putObject("scores").put(label, 0.9);
            p.put("modelVersion", 1).put("ts", ts).put("latencyMs", 5.0);
            p.putObject("attrs").put("entity", entity).put("source", "demo");
            return Json.write(p);
        }
    }
}
