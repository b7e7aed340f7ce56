package io.streamtune.cli;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TopicAdmin;
import io.streamtune.monitor.MonitorService;
import io.streamtune.monitor.MonitorSettings;
import io.streamtune.monitor.metrics.MonitorMetrics;

/**
 * {@code streamtune bench monitor}: predictions per second through the whole monitoring topology
 * (parse, three repartitions, surge windows, late-label join, statistics and drift), exactly once,
 * on an embedded broker in this JVM, with many distinct entities; then heap and RSS. A backlog of
 * predictions (and late labels for a share of them) is written first; the monitor then drains it,
 * timed from its first prediction to the moment every input and internal topic is committed. The
 * last stdout line is JSON.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description =
                "Monitor service benchmark: predictions/s through the monitoring topology, heap and RSS with many entities.")
public final class BenchMonitorCommand implements Callable<Integer> {
    @Option(
            names = "--predictions",
            defaultValue = "300000",
            description = "predictions in the backlog (default: ${DEFAULT-VALUE})")
    int predictions;

    @Option(
            names = "--entities",
            defaultValue = "100000",
            description = "distinct entities (default: ${DEFAULT-VALUE})")
    int entities;

    @Option(
            names = "--partitions",
            defaultValue = "3",
            description = "partitions of the task topics (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(
            names = "--label-share",
            defaultValue = "0.1",
            description = "share of predictions whose label arrives late (default: ${DEFAULT-VALUE})")
    double labelShare;

    @Option(
            names = "--event-rate",
            defaultValue = "2000",
            description =
                    "event-time predictions per second in the backlog: how fast windows close (default: ${DEFAULT-VALUE})")
    int eventRate;

    @Option(
            names = "--stream-threads",
            defaultValue = "1",
            description = "monitoring.streamThreads (default: ${DEFAULT-VALUE})")
    int streamThreads;

    @Option(names = "--seed", defaultValue = "13", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    private static final String TASK = "bench";
    private static final String[] LABELS = {"negative", "neutral", "positive"};

    @Override
    public Integer call() throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
            Path state = Files.createTempDirectory("bench-monitor");
            StreamtuneConfig config = StreamtuneConfig.parse(
                    """
                    kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                    topics: {partitions: %d}
                    monitoring: {applicationId: bench-monitor, metricsPort: -1, streamThreads: %d}
                    tasks:
                      - name: %s
                        labels: [negative, neutral, positive]
                        monitor: {alertLabel: negative, window: 60s, advance: 10s, grace: 5s, minCount: 20, maxEntities: %d,
                                  labelJoinWindow: 5m}
                    """.formatted(broker.bootstrapServers(), state, partitions, streamThreads, TASK, entities),
                    Map.of(),
                    Map.of());
            KafkaClients clients = KafkaClients.of(config.kafka());
            try (Admin admin = clients.admin()) {
                TopicAdmin.ensure(admin, config.topicLayout());
            }
            int labels = produceBacklog(clients);
            System.gc();
            long heapBefore = usedHeap();
            System.out.printf(
                    "backlog: %d predictions over %d entities, %d late labels; heap before the monitor %d MiB, RSS %d MiB%n",
                    predictions, entities, labels, heapBefore >> 20, rss() >> 20);

            try (MonitorService monitor = new MonitorService(config, MonitorSettings.from(config))) {
                monitor.start();
                Counter parsed = null;
                long t0 = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (System.nanoTime() < deadline) {
                    parsed = monitor.meterRegistry()
                            .find(MonitorMetrics.PREDICTIONS)
                            .tag("outcome", "monitored")
                            .counter();
                    if (parsed != null && parsed.count() > 0) {
                        t0 = System.nanoTime();
                        break;
                    }
                    Thread.sleep(5);
                }
                long lastReport = System.nanoTime();
                try (Admin admin = clients.admin()) {
                    while (!drained(admin, "bench-monitor")) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("the monitor did not drain the backlog within 30 minutes");
                        }
                        if (System.nanoTime() - lastReport > 10e9) {
                            lastReport = System.nanoTime();
                            System.out.printf(
                                    "  ... %.0f predictions parsed after %.0f s (load average %.2f)%n",
                                    parsed.count(), (lastReport - t0) / 1e9, load());
                        }
                        Thread.sleep(200);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rate = predictions / seconds;
                System.gc();
                long heapAfter = usedHeap();
                long rss = rss();
                Map<?, ?> health = (Map<?, ?>) ((Map<?, ?>) monitor.health().get("tasks")).get(TASK);
                System.out.printf(
                        "monitor: %d predictions through the topology in %.1f s: %.0f predictions/s (%d stream thread(s), "
                                + "%d partitions, load average %.2f)%n",
                        predictions, seconds, rate, streamThreads, partitions, load());
                System.out.printf(
                        "memory with %s entities tracked: heap %d MiB (monitor's share %d MiB), RSS %d MiB%n",
                        health.get("entities"), heapAfter >> 20, (heapAfter - heapBefore) >> 20, rss >> 20);
                result.put("bench", "monitor");
                result.put("predictions", predictions);
                result.put("entities", entities);
                result.put("entitiesTracked", health.get("entities"));
                result.put("lateLabels", labels);
                result.put("partitions", partitions);
                result.put("streamThreads", streamThreads);
                result.put("seconds", Math.round(seconds * 10) / 10.0);
                result.put("predictionsPerSecond", Math.round(rate));
                result.put("heapMiB", heapAfter >> 20);
                result.put("heapMonitorMiB", (heapAfter - heapBefore) >> 20);
                result.put("rssMiB", rss >> 20);
                result.put("cores", Runtime.getRuntime().availableProcessors());
                result.put("loadAverage", Math.round(load() * 100) / 100.0);
                result.put("alerts", health.get("alerts"));
            }
        }
        System.out.println(Json.writeString(result));
        return 0;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Predictions as the scorer writes them, ids unique, entities uniform; a share of them get a late label. */
    private int produceBacklog(KafkaClients clients) throws Exception {
        Random r = new Random(seed);
        long t0 = System.currentTimeMillis() - (long) predictions * 1000 / eventRate - 60_000;
        int labels = 0;
        try (KafkaProducer<byte[], byte[]> p =
                clients.producer(Map.of("linger.ms", "20", "batch.size", "262144", "compression.type", "lz4"))) {
            List<String> names = new ArrayList<>(entities);
            for (int i = 0; i < entities; i++) {
                names.add("entity-" + i);
            }
            for (int i = 0; i < predictions; i++) {
                String id = "p-" + i;
                long ts = t0 + (long) i * 1000 / eventRate;
                int label = r.nextInt(10) < 2 ? 0 : 1 + r.nextInt(2);
                String json = "{\"id\":\"" + id + "\",\"task\":\"" + TASK + "\",\"label\":\"" + LABELS[label]
                        + "\",\"scores\":{\""
                        + LABELS[label] + "\":" + (0.5 + r.nextDouble() / 2) + "},\"modelVersion\":"
                        + (1 + i * 3L / predictions)
                        + ",\"ts\":" + ts + ",\"latencyMs\":12.0,\"attrs\":{\"entity\":\""
                        + names.get(r.nextInt(entities)) + "\"}}";
                p.send(new ProducerRecord<>(
                        TASK + ".predictions", null, ts, b(id), json.getBytes(StandardCharsets.UTF_8)));
                if (r.nextDouble() < labelShare) {
                    String l = "{\"id\":\"" + id + "\",\"text\":\"t\",\"label\":\""
                            + LABELS[r.nextDouble() < 0.85 ? label : r.nextInt(3)] + "\"}";
                    p.send(new ProducerRecord<>(
                            TASK + ".examples", null, ts + 5_000, b(id), l.getBytes(StandardCharsets.UTF_8)));
                    labels++;
                }
            }
            p.flush();
        }
        return labels;
    }

    /** Every partition the application reads (inputs and repartition topics) is committed to its end. */
    private static boolean drained(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        if (committed.isEmpty()) {
            return false;
        }
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            // Under exactly_once a partition's end holds a transaction marker past the last record.
            if (e.getValue() == null
                    || ends.get(e.getKey()).offset() - e.getValue().offset() > 1) {
                return false;
            }
        }
        // All 3 repartition topics of the task must be read too (the last ones start late).
        return committed.keySet().stream()
                        .map(TopicPartition::topic)
                        .filter(t -> t.endsWith("-repartition"))
                        .distinct()
                        .count()
                >= 5;
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size of this process (Linux), 0 elsewhere. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return 0;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
