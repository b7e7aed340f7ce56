package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.logging.ServiceLogging;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringService;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * {@code streamtune bench scoring}: in one run, on an embedded broker, (1) the encoder's own
 * throughput at the scoring batch size, (2) end-to-end throughput through the broker and the
 * scoring app with the same encoder, (3) reader-side latency (read_committed) at half that rate,
 * (4) ten model swaps under load at half rate, counting lost and duplicated predictions. The
 * last stdout line is JSON.
 */
@Command(
        name = "scoring",
        mixinStandardHelpOptions = true,
        description = "Scoring service benchmark: encoder-only vs end-to-end throughput, latency, swaps under load.")
public final class BenchScoringCommand implements Callable<Integer> {
    @Option(
            names = "--encoder",
            defaultValue = Encoders.DEFAULT_ID,
            description = "encoder id (default: ${DEFAULT-VALUE})")
    String encoderId;

    @Option(names = "--batch", defaultValue = "32", description = "scoring batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--partitions",
            defaultValue = "3",
            description = "partitions of the events topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(
            names = "--commit-interval",
            defaultValue = "100",
            paramLabel = "MS",
            description =
                    "scoring.commitInterval in ms: each exactly-once commit blocks the stream thread (default: ${DEFAULT-VALUE})")
    long commitIntervalMs;

    @Option(
            names = "--stream-threads",
            defaultValue = "1",
            description = "scoring.streamThreads (default: ${DEFAULT-VALUE})")
    int streamThreads;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "scoring.encoder.workers (default: one per core; 0 encodes on the stream threads)")
    Integer workersOption;

    @Option(
            names = "--seconds",
            defaultValue = "15",
            description = "length of each measured phase (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(
            names = "--swaps",
            defaultValue = "10",
            description = "model versions published under load (default: ${DEFAULT-VALUE})")
    int swaps;

    @Option(
            names = "--seed",
            defaultValue = "11",
            description = "seed of the generated sentences (default: ${DEFAULT-VALUE})")
    long seed;

    private static final String TASK = "bench";
    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    public static void main(String[] args) {
        ServiceLogging.setLevel("", "warn");
        ServiceLogging.setLevel("io.streamtune", "warn");
        System.exit(new CommandLine(new BenchScoringCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> sentences = sentences(4000, seed);
        Map<String, Object> result = new LinkedHashMap<>();
        int workers = workersOption != null ? workersOption : ScoringSettings.ENCODER_WORKERS.defaultValue();
        int cores = Runtime.getRuntime().availableProcessors();
        ScoringSettings settings = new ScoringSettings(
                "bench-scoring",
                batch,
                Duration.ofMillis(20),
                100_000,
                Duration.ofMillis(commitIntervalMs),
                streamThreads,
                workers,
                -1,
                true,
                Map.of(),
                "");
        // The encoder exactly as the scoring app runs it (ONNX Runtime threads per call, concurrent callers) ...
        int intraOp = settings.encoderIntraOpThreads();
        int callers = workers > 0 ? workers : streamThreads;
        TextEncoder perCore = null;
        try (TextEncoder encoder = Encoders.open(encoderId, Encoders.DEFAULT_MAX_SEQUENCE_LENGTH, intraOp);
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
            double asServed = encoderThroughput(encoder, sentences, callers);
            System.out.printf(
                    "encoder only (%s, batch %d, %d caller(s) x %s ONNX Runtime thread(s), as the scoring app runs it): "
                            + "%.1f sentences/s%n",
                    encoderId, batch, callers, intraOp == 0 ? "per-core" : intraOp, asServed);
            // ... and the classic way, one caller on every core, so that the baseline is the encoder's best.
            double classic = asServed;
            if (intraOp != 0 || callers != 1) {
                perCore = Encoders.open(encoderId, Encoders.DEFAULT_MAX_SEQUENCE_LENGTH, 0);
                classic = encoderThroughput(perCore, sentences, 1);
                System.out.printf(
                        "encoder only (1 caller x per-core ONNX Runtime threads, %d cores): %.1f sentences/s%n",
                        cores, classic);
            }
            double encoderOnly = Math.max(asServed, classic);
            TextEncoder best = classic > asServed ? perCore : encoder;
            int bestCallers = classic > asServed ? 1 : callers;

            Path state = Files.createTempDirectory("bench-scoring");
            StreamtuneConfig config = StreamtuneConfig.parse(
                    """
                    kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                    topics: {partitions: %d}
                    tasks:
                      - name: %s
                        labels: [negative, neutral, positive]
                        encoder: %s
                    """.formatted(broker.bootstrapServers(), state, partitions, TASK, encoderId), Map.of(), Map.of());
            KafkaClients clients = KafkaClients.of(config);
            try (Backbones pool = Backbones.sharing(encoder, Encoders.DEFAULT_MAX_SEQUENCE_LENGTH, null);
                    ScoringService service = new ScoringService(config, settings, pool);
                    KafkaProducer<byte[], byte[]> producer =
                            clients.producer(Map.of("enable.idempotence", "true", "linger.ms", "2"))) {
                service.start();
                if (!service.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("scoring app did not reach RUNNING");
                }
                long version = 1;
                publish(producer, encoder, version, new Random(seed));
                service.models().awaitIdle(Duration.ofSeconds(60));
                Random rnd = new Random(seed + 1);

                Collector all = new Collector(broker.bootstrapServers());
                // Warm-up, untimed, as long as the measured backlog: the JIT compiles the broker's, the
                // clients' and the Streams paths for a long while (measured: the compiler threads took
                // ~10% of the CPU in a cold run, still ~7% after a warm-up half this long).
                int warm = (int) Math.max(500, encoderOnly * seconds);
                long w0 = System.nanoTime();
                for (int i = 0; i < warm; i++) {
                    send(producer, "w-" + i, sentences.get(rnd.nextInt(sentences.size())));
                }
                producer.flush();
                await(all, "w-", warm, Duration.ofSeconds(seconds * 20L));
                System.out.printf(
                        "warm-up: %d events end to end in %.1f s (not counted)%n",
                        warm, (System.nanoTime() - w0) / 1e9);

                // (2) end-to-end throughput: a backlog the app drains as fast as it can.
                int n = (int) Math.max(500, encoderOnly * seconds);
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    send(producer, "t-" + i, sentences.get(rnd.nextInt(sentences.size())));
                }
                producer.flush();
                await(all, "t-", n, Duration.ofSeconds(seconds * 20L));
                double e2e = n / ((all.lastArrivalNanos - t0) / 1e9);
                // The CPU is shared: measure the encoder again right after, and compare with the mean of both.
                double encoderAfter = encoderThroughput(best, sentences, bestCallers);
                System.out.printf(
                        "encoder only again: %.1f sentences/s (load average %.2f)%n", encoderAfter, loadAverage());
                encoderOnly = (encoderOnly + encoderAfter) / 2;
                System.out.printf(
                        "end to end: %d events in %.1f s: %.1f events/s (ratio %.2f)%n",
                        n, (all.lastArrivalNanos - t0) / 1e9, e2e, e2e / encoderOnly);

                // (3) latency at half the maximum rate, as a read_committed reader sees it.
                double rate = e2e / 2;
                int sentLatency = paced(producer, "l-", rate, seconds, sentences, rnd, null);
                await(all, "l-", sentLatency, Duration.ofSeconds(seconds * 10L));
                List<Long> latencies = all.latencies("l-");
                double p50 = percentile(latencies, 0.50);
                double p99 = percentile(latencies, 0.99);
                System.out.printf(
                        "latency at %.0f events/s: p50 %.0f ms, p99 %.0f ms (%d events)%n",
                        rate, p50, p99, latencies.size());

                // (4) swaps under load.
                Counter swapMeter = service.meterRegistry()
                        .find(ScoringMetrics.SWAPS)
                        .tag("task", TASK)
                        .counter();
                double swapsBefore = swapMeter == null ? 0 : swapMeter.count();
                long[] nextVersion = {version + 1};
                int sentSwap = paced(producer, "s-", rate, seconds, sentences, rnd, (i, total) -> {
                    long due = (long) total * (nextVersion[0] - version) / (swaps + 1);
                    if (nextVersion[0] <= version + swaps && i >= due) {
                        publish(producer, encoder, nextVersion[0]++, rnd);
                    }
                });
                boolean complete = awaitQuietly(all, "s-", sentSwap, Duration.ofSeconds(seconds * 10L));
                service.models().awaitIdle(Duration.ofSeconds(30));
                Thread.sleep(1500); // a duplicate would show up now
                all.close();
                int distinct = all.distinct("s-");
                int records = all.records("s-");
                Counter after = service.meterRegistry()
                        .find(ScoringMetrics.SWAPS)
                        .tag("task", TASK)
                        .counter();
                int swapped = (int) Math.round((after == null ? 0 : after.count()) - swapsBefore);
                int backwards = all.backwards();
                System.out.printf(
                        "swaps under load: %d published, %d swapped, %d events, lost %d, duplicates %d, "
                                + "partitions going back to an older version %d%s%n",
                        swaps,
                        swapped,
                        sentSwap,
                        sentSwap - distinct,
                        records - distinct,
                        backwards,
                        complete ? "" : " (timed out waiting)");

                result.put("encoder", encoderId);
                result.put("batch", batch);
                result.put("partitions", partitions);
                result.put("commitIntervalMs", commitIntervalMs);
                result.put("streamThreads", streamThreads);
                result.put("encoderWorkers", workers);
                result.put("encoderAsServedPerSecond", round(asServed));
                result.put("encoderOneCallerPerSecond", round(classic));
                result.put("encoderOnlyPerSecond", round(encoderOnly));
                result.put("eventsPerSecond", round(e2e));
                result.put("ratio", Math.round(e2e / encoderOnly * 1000) / 1000.0);
                result.put("latencyRatePerSecond", round(rate));
                result.put("p50Ms", round(p50));
                result.put("p99Ms", round(p99));
                result.put("swaps", swapped);
                result.put("swapEvents", sentSwap);
                result.put("lost", sentSwap - distinct);
                result.put("duplicates", records - distinct + all.duplicatesOutside("s-"));
                result.put("versionsBackwards", backwards);
                result.put("loadAverage", Math.round(loadAverage() * 100) / 100.0);
            }
        } finally {
            if (perCore != null) {
                perCore.close();
            }
        }
        System.out.println(Json.writeString(result));
        return 0;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /**
     * The encoder's own throughput in this process with {@code callers} threads, each encoding
     * batches of the scoring batch size back to back.
     */
    private double encoderThroughput(TextEncoder encoder, List<String> sentences, int callers)
            throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            encoder.encode(sentences.subList(i * batch, i * batch + batch));
        }
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int first = t * 7 * batch;
            Thread caller = new Thread(
                    () -> {
                        int offset = first % (sentences.size() - batch);
                        while (System.nanoTime() < end) {
                            if (offset + batch > sentences.size()) {
                                offset = 0;
                            }
                            encoder.encode(sentences.subList(offset, offset + batch));
                            offset += batch;
                            done.addAndGet(batch);
                        }
                    },
                    "bench-encoder-" + t);
            caller.start();
            threads.add(caller);
        }
        for (Thread caller : threads) {
            caller.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private interface Tick {
        void at(int i, int total) throws Exception;
    }

    /** Sends at a fixed rate for {@code secs} seconds; returns how many were sent. */
    private static int paced(
            KafkaProducer<byte[], byte[]> producer,
            String prefix,
            double rate,
            int secs,
            List<String> sentences,
            Random rnd,
            Tick tick)
            throws Exception {
        int total = (int) (rate * secs);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + (long) (i / rate * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (tick != null) {
                tick.at(i, total);
            }
            send(producer, prefix + i, sentences.get(rnd.nextInt(sentences.size())));
        }
        producer.flush();
        return total;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String id, String text) {
        String json = Json.writeString(
                Map.of("id", id, "text", text, "ts", System.currentTimeMillis(), "attrs", Map.of("source", "bench")));
        producer.send(new ProducerRecord<>(
                TaskTopics.of(TASK).events(),
                id.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8)));
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, TextEncoder encoder, long version, Random rnd)
            throws Exception {
        int d = encoder.dimension();
        float[] w = new float[d * LABELS.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                TASK,
                version,
                version > 1 ? version - 1 : null,
                encoder.id(),
                encoder.checksum(),
                LABELS,
                null,
                List.of(),
                System.currentTimeMillis(),
                "bench v" + version);
        ModelArtifact a = ModelArtifact.of(
                meta,
                BackboneRef.text(encoder.id(), encoder.checksum(), Encoders.DEFAULT_MAX_SEQUENCE_LENGTH, null),
                new HeadWeights(
                        HeadKind.LINEAR,
                        List.of(new HeadWeights.Layer(d, LABELS.size(), w, new float[LABELS.size()]))));
        producer.send(new ProducerRecord<>(TaskTopics.MODELS, TASK.getBytes(StandardCharsets.UTF_8), a.toBytes()))
                .get(30, TimeUnit.SECONDS);
    }

    private static void await(Collector c, String prefix, int n, Duration timeout) throws InterruptedException {
        if (!awaitQuietly(c, prefix, n, timeout)) {
            throw new IllegalStateException(
                    "only " + c.distinct(prefix) + " of " + n + " predictions (" + prefix + ") arrived");
        }
    }

    private static boolean awaitQuietly(Collector c, String prefix, int n, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (c.distinct(prefix) < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static double percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** A read_committed reader of the predictions, with arrival times. */
    private static final class Collector implements AutoCloseable {
        private final Map<String, Integer> perId = new ConcurrentHashMap<>();
        private final Map<String, Long> latency = new ConcurrentHashMap<>();
        private final Map<Integer, Long> lastVersion = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile int backwards;
        volatile long lastArrivalNanos;
        private final Thread thread;

        Collector(String bootstrap) {
            KafkaConsumer<byte[], byte[]> consumer = KafkaClients.of(Map.of("bootstrap.servers", bootstrap))
                    .consumer(Map.of(
                            "group.id",
                            "bench-reader-" + System.nanoTime(),
                            "isolation.level",
                            "read_committed",
                            "auto.offset.reset",
                            "earliest"));
            consumer.subscribe(List.of(TaskTopics.of(TASK).predictions()));
            thread = new Thread(
                    () -> {
                        try (consumer) {
                            while (running.get()) {
                                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                                    long now = System.currentTimeMillis();
                                    Prediction p;
                                    try {
                                        p = Json.read(r.value(), Prediction.class);
                                    } catch (java.io.IOException e) {
                                        throw new IllegalStateException(e);
                                    }
                                    perId.merge(p.id(), 1, Integer::sum);
                                    latency.putIfAbsent(p.id(), now - p.ts());
                                    Long last = lastVersion.put(r.partition(), p.modelVersion());
                                    if (last != null && p.modelVersion() < last) {
                                        backwards++;
                                    }
                                    lastArrivalNanos = System.nanoTime();
                                }
                            }
                        }
                    },
                    "bench-reader");
            thread.setDaemon(true);
            thread.start();
        }

        int distinct(String prefix) {
            return (int)
                    perId.keySet().stream().filter(k -> k.startsWith(prefix)).count();
        }

        int records(String prefix) {
            return perId.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(prefix))
                    .mapToInt(Map.Entry::getValue)
                    .sum();
        }

        int duplicatesOutside(String prefix) {
            return perId.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith(prefix))
                    .mapToInt(e -> e.getValue() - 1)
                    .sum();
        }

        List<Long> latencies(String prefix) {
            return latency.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(prefix))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        int backwards() {
            return backwards;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /** Realistic review and financial-news sentences from templates. */
    static List<String> sentences(int n, long seed) {
        String[] products = {
            "headphones",
            "coffee maker",
            "hotel room",
            "laptop",
            "running shoes",
            "vacuum cleaner",
            "phone case",
            "blender",
            "restaurant",
            "airline",
            "backpack",
            "smart watch",
            "mattress",
            "e-reader",
            "rental car"
        };
        String[] positive = {
            "works perfectly",
            "exceeded my expectations",
            "is worth every penny",
            "arrived earlier than promised",
            "feels solid and well made",
            "was spotless and quiet",
            "has excellent battery life",
            "made my mornings easier"
        };
        String[] negative = {
            "stopped working after a week",
            "was a complete waste of money",
            "smelled of smoke",
            "arrived damaged and late",
            "feels cheap and flimsy",
            "has a battery that barely lasts a day",
            "was rude and slow",
            "broke on the first use"
        };
        String[] neutral = {
            "does what it says",
            "is about what you would expect for the price",
            "arrived on the scheduled day",
            "is similar to the previous model",
            "comes in three colours"
        };
        String[] companies = {
            "Acme Corp",
            "Globex",
            "Initech",
            "Umbrella Holdings",
            "Stark Industries",
            "Wayne Enterprises",
            "Hooli",
            "Vandelay Imports",
            "Soylent Foods",
            "Cyberdyne Systems"
        };
        String[] news = {
            "shares tumble after a profit warning",
            "beats quarterly revenue estimates",
            "announces layoffs of %d staff",
            "raises full-year guidance",
            "faces a regulatory probe over accounting",
            "agrees to buy a rival for $%d million",
            "reports flat sales in the third quarter",
            "cuts its dividend by %d percent",
            "opens %d new stores in Europe",
            "names a new chief financial officer"
        };
        String[] openers = {"Honestly, the", "The", "Our", "My new", "This", "I think the"};
        String[] closers = {
            "",
            " Would buy again.",
            " Not recommended.",
            " Customer support never replied.",
            " Five stars.",
            " Delivery took two weeks.",
            " My kids love it."
        };
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(3) == 0) {
                String headline = String.format(news[r.nextInt(news.length)], 5 + r.nextInt(900));
                out.add(companies[r.nextInt(companies.length)] + " " + headline
                        + (r.nextBoolean()
                                ? ", analysts say."
                                : " as markets " + (r.nextBoolean() ? "rally." : "slide.")));
            } else {
                String[] tone = switch (r.nextInt(3)) {
                    case 0 -> positive;
                    case 1 -> negative;
                    default -> neutral;
                };
                out.add(openers[r.nextInt(openers.length)] + " " + products[r.nextInt(products.length)] + " "
                        + tone[r.nextInt(tone.length)] + "." + closers[r.nextInt(closers.length)]);
            }
        }
        return out;
    }
}
