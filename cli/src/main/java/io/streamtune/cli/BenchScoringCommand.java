package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
import io.streamtune.cli.bench.CpuShares;
import io.streamtune.common.NativeAllocator;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.logging.ServiceLogging;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.DirectoryArtifactStore;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.runtime.Backbone;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringService;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.topology.BatchWait;
import io.streamtune.scoring.topology.ScoringTopology;
import io.streamtune.trainer.training.Labelled;
import io.streamtune.trainer.training.finetune.FineTuner;
import io.streamtune.trainer.training.finetune.FinetuneResult;
import io.streamtune.trainer.training.image.CnnTrainer;
import io.streamtune.trainer.training.image.CnnTrainingResult;
import io.streamtune.trainer.training.image.LabelledImages;
import io.streamtune.trainer.training.image.WarmStart;

/**
 * {@code streamtune bench scoring}: in one run, on an embedded broker, for each kind of model in service: (1) its
 * backbone's own throughput with the batching the scoring app uses (batches cut by count and token budget in arrival
 * order; a text encoder sorts and splits each by length inside the call; an image backbone decodes, resizes and
 * normalises each picture, then runs one CNN forward per batch), (2) end-to-end throughput through the broker and the
 * scoring app serving a version of that kind; then (3) reader-side latency (read_committed) at half the last kind's
 * rate, (4) model swaps under load at half the slowest kind's rate, each version on the next kind's backbone, counting
 * lost and duplicated predictions.
 *
 * <p>Kinds ({@code kind} in the JSON line): {@code head} (the frozen encoder, head-only versions; always measured in
 * text mode, first), {@code bitfit}, {@code lora}, {@code full} ({@code --finetune}: the encoder fine-tuned here with
 * the trainer's {@link FineTuner}, served by ONNX Runtime with the tuned weights, which is also its baseline),
 * {@code cnn} ({@code --modality image}: a ResNet trained here with the trainer's {@link CnnTrainer}; two versions,
 * the second fine-tuned from the first, alternate in the swaps). Every baseline is the very backbone instance the
 * scorer runs, leased from the scorer's own {@link Backbones} pool. Texts are generated review and headline sentences,
 * or the texts of JSONL files ({@code --texts}); images are generated PNG bars. The last stdout line is JSON: the
 * historical fields describe the first kind, {@code ratios} and {@code kinds} every kind.
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
            description = "seed of the generated sentences and of the order of texts (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--texts",
            split = ",",
            paramLabel = "FILE",
            description = "JSONL files whose \"text\" fields are the events (mixed, seeded order), e.g. "
                    + "../shared/data/twitter_financial_news_sentiment/validation.jsonl,../shared/data/sst2/test.jsonl; "
                    + "default: generated sentences")
    List<Path> textFiles;

    @Option(
            names = "--max-tokens",
            paramLabel = "N",
            description = "scoring.batch.maxTokens (default: the setting's default; 0: by count only)")
    Integer maxTokensOption;

    @Option(
            names = "--batch-wait",
            paramLabel = "MODE",
            description = "scoring.batch.wait: adaptive or fixed (default: the setting's default)")
    BatchWait batchWaitOption;

    @Option(
            names = "--max-wait",
            defaultValue = "20",
            paramLabel = "MS",
            description = "scoring.batch.maxWait in ms (default: ${DEFAULT-VALUE})")
    long maxWaitMs;

    @Option(
            names = "--cache-entries",
            defaultValue = "0",
            paramLabel = "N",
            description = "scoring.cache.entries: recent (version, text) scores kept (default: ${DEFAULT-VALUE}, off)")
    int cacheEntries;

    @Option(
            names = "--linger",
            paramLabel = "MS",
            description = "linger.ms of the scoring app's producer (default: the service's, 5)")
    Integer lingerMs;

    @Option(
            names = "--modality",
            defaultValue = "text",
            paramLabel = "KIND",
            description = "text: generated sentences (or --texts) through the --encoder; image: generated PNG events "
                    + "through a CNN trained here on generated images (default: ${DEFAULT-VALUE})")
    Modality modality;

    @Option(
            names = "--finetune",
            split = ",",
            paramLabel = "MODE",
            description = "text only: also serve versions whose encoder was fine-tuned here (bitfit, lora, full; "
                    + "comma-separated) and measure each against its own tuned encoder alone, beside the head-only "
                    + "model in the same run (default: head-only only)")
    List<FinetuneMode> finetuneModes;

    @Option(
            names = "--train-examples",
            defaultValue = "64",
            paramLabel = "N",
            description = "generated examples each fine-tuning or CNN training runs on, one epoch: the bench measures "
                    + "serving speed, not accuracy (default: ${DEFAULT-VALUE})")
    int trainExamples;

    @Option(
            names = "--image-size",
            defaultValue = "28",
            paramLabel = "PX",
            description = "image only: image.size of the task, and the side of the generated event PNGs "
                    + "(default: ${DEFAULT-VALUE})")
    int imageSize;

    @Option(
            names = "--image-channels",
            defaultValue = "1",
            paramLabel = "N",
            description = "image only: image.channels of the task, 1 or 3 (default: ${DEFAULT-VALUE})")
    int imageChannels;

    @Option(
            names = "--cnn-layers",
            defaultValue = "20",
            paramLabel = "N",
            description = "image only: cnn.layers of the ResNet backbone (default: ${DEFAULT-VALUE})")
    int cnnLayers;

    private static final String TASK = "bench";
    /** The batching of the app, which the backbone-alone baseline follows. */
    private ScoringTopology.BatchPolicy policy;

    private static final List<String> TEXT_LABELS = List.of("negative", "neutral", "positive");
    /** Warm-up continues while the JIT compiler takes more than this share of the cores (the steady state). */
    private static final double JIT_SETTLED = 0.02;
    /**
     * At most this many extra warm-up rounds, a third of the first one each (measured on 2 cores: the compiler took
     * 15% of the cores in round 1, 10-11% in rounds 3-5, 2-3% from round 8; with four rounds the end-to-end phase ran
     * beside 8-10% of compilation).
     */
    private static final int MAX_EXTRA_WARM_UP_ROUNDS = 12;

    private static final List<String> IMAGE_LABELS = List.of("horizontal", "vertical");

    /**
     * One kind of model in service: the backbone its versions stand on (leased from the scorer's own pool, so the
     * baseline runs the very instance the app runs) and how it was made.
     *
     * @param kind what the JSON line calls it: {@code head} (frozen encoder, head-only), {@code bitfit}, {@code lora},
     *     {@code full} (fine-tuned encoder), {@code cnn} (image backbone)
     * @param ref the backbone a version of this kind records
     * @param lease the hold on it in the scorer's pool
     * @param perCore the same backbone opened with one ONNX Runtime thread per core (for the one-caller baseline), or
     *     null when the as-served instance is used for it
     * @param head the head its versions carry, or null for a random one per version (speed does not depend on it)
     * @param trainSeconds how long making it took (fine-tuning, CNN training), 0 for the frozen encoder
     */
    private record Served(
            String kind,
            BackboneRef ref,
            Backbones.Lease lease,
            Backbones.Lease perCore,
            HeadWeights head,
            double trainSeconds) {

        Backbone backbone() {
            return lease.backbone();
        }

        Backbone perCoreBackbone() {
            return perCore == null ? lease.backbone() : perCore.backbone();
        }

        long weightsBytes() {
            return ref.weights() == null ? 0 : ref.weights().sizeBytes();
        }
    }

    /** What was measured for one kind, in the same run as the others. */
    private record Measured(
            Served served,
            double asServed,
            double oneCaller,
            double warm,
            double again,
            double alone,
            double e2e,
            int events,
            Map<String, Double> cpuShares,
            double meanBatch) {

        double ratio() {
            return e2e / alone;
        }
    }

    public static void main(String[] args) {
        ServiceLogging.setLevel("", "warn");
        ServiceLogging.setLevel("io.streamtune", "warn");
        CommandLine cli = new CommandLine(new BenchScoringCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        boolean image = modality == Modality.IMAGE;
        List<FinetuneMode> modes = finetuneModes == null
                ? List.of()
                : finetuneModes.stream()
                        .filter(m -> m != FinetuneMode.NONE)
                        .distinct()
                        .toList();
        if (image && (!modes.isEmpty() || (textFiles != null && !textFiles.isEmpty()))) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--finetune and --texts are for --modality text");
        }
        List<ModelInput> inputs;
        if (image) {
            inputs = images(4000, imageSize, imageChannels, seed);
        } else if (textFiles == null || textFiles.isEmpty()) {
            inputs = ModelInput.texts(sentences(4000, seed));
        } else {
            for (Path f : textFiles) {
                if (!Files.isRegularFile(f)) {
                    System.out.println("skipped: " + f + " is not there (the public data sets are read by path, see "
                            + "../shared/data/README.md)");
                    System.out.println(Json.writeString(Map.of("skipped", "missing " + f)));
                    return 0;
                }
            }
            inputs = ModelInput.texts(texts(textFiles, seed));
        }
        List<String> labels = image ? IMAGE_LABELS : TEXT_LABELS;
        Map<String, Object> result = new LinkedHashMap<>();
        int workers = workersOption != null ? workersOption : ScoringSettings.ENCODER_WORKERS.defaultValue();
        int cores = Runtime.getRuntime().availableProcessors();
        int maxTokens = maxTokensOption != null ? maxTokensOption : ScoringSettings.BATCH_MAX_TOKENS.defaultValue();
        BatchWait batchWait = batchWaitOption != null ? batchWaitOption : ScoringSettings.BATCH_WAIT.defaultValue();
        ScoringSettings settings = new ScoringSettings(
                        "bench-scoring",
                        batch,
                        Duration.ofMillis(maxWaitMs),
                        100_000,
                        Duration.ofMillis(commitIntervalMs),
                        streamThreads,
                        workers,
                        -1,
                        true,
                        Map.of(),
                        "")
                .withBatching(maxTokens, batchWait, cacheEntries);
        policy = settings.batchPolicy();
        // The backbones exactly as the scoring app opens them (ONNX Runtime threads per call, concurrent callers) ...
        int intraOp = settings.encoderIntraOpThreads();
        int callers = workers > 0 ? workers : streamThreads;
        // ... and, for text, the classic way too: one caller on every core, so that the baseline is the encoder's best.
        // (Images: the CNN runs on PyTorch, whose threads are not per call; the same instance with one caller.)
        boolean oneCallerToo = image ? callers != 1 : intraOp != 0 || callers != 1;
        Path state = Files.createTempDirectory("bench-scoring");
        ArtifactStore store = new DirectoryArtifactStore(state.resolve("artifacts"));
        List<Served> served = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
                Backbones pool = Backbones.opening(intraOp, store);
                Backbones perCorePool = Backbones.opening(0, store)) {
            String linger = lingerMs == null ? "" : ", producer.linger.ms: " + lingerMs;
            String taskYaml =
                    image ? """
                        modality: image
                        labels: [horizontal, vertical]
                        image: {size: %d, channels: %d}
                        cnn: {layers: %d, epochs: 1, batchSize: 16, seed: %d, device: cpu}
                    """.formatted(imageSize, imageChannels, cnnLayers, seed) : """
                        labels: [negative, neutral, positive]
                        encoder: %s
                    """.formatted(encoderId);
            StreamtuneConfig config = StreamtuneConfig.parse(
                    """
                    kafka: {bootstrap.servers: "%s", state.dir: "%s"%s}
                    topics: {partitions: %d}
                    artifacts: {dir: "%s"}
                    tasks:
                      - name: %s
                    %s""".formatted(
                                    broker.bootstrapServers(),
                                    state.resolve("streams"),
                                    linger,
                                    partitions,
                                    state.resolve("artifacts"),
                                    TASK,
                                    taskYaml),
                    Map.of(),
                    Map.of());
            TaskConfig task = config.tasks().get(TASK);
            // What is served: one kind, or the head-only model and each fine-tuned one, built before any measurement.
            if (image) {
                served.addAll(cnnVersions(task, pool));
            } else {
                served.add(frozenText(pool, perCorePool, oneCallerToo));
                for (FinetuneMode mode : modes) {
                    served.add(fineTuned(mode, served.get(0).ref(), config, store, pool, perCorePool, oneCallerToo));
                }
            }
            // Image mode trains two CNN versions and swaps between them; only the first one's ratio is measured.
            List<Served> measuredKinds = image ? served.subList(0, 1) : served;
            Backbone first = served.get(0).backbone();
            double meanTokens = inputs.stream()
                    .limit(2000)
                    .mapToInt(first::tokens)
                    .average()
                    .orElse(0);
            double meanBytes = inputs.stream()
                    .limit(2000)
                    .mapToInt(i -> i instanceof ModelInput.Image im ? im.encoded().length : 0)
                    .average()
                    .orElse(0);
            if (image) {
                System.out.printf(
                        "%d generated %dx%d PNG images (%.0f bytes on average), %s backbone; batches of at most %d "
                                + "events, wait %s, cache %d entries%n",
                        inputs.size(),
                        imageSize,
                        imageSize,
                        meanBytes,
                        first.key().id(),
                        batch,
                        batchWait.name().toLowerCase(java.util.Locale.ROOT),
                        cacheEntries);
            } else {
                System.out.printf(
                        "%d texts (%s), %.1f tokens on average; batches of at most %d events and %s tokens, wait %s, "
                                + "cache %d entries%n",
                        inputs.size(),
                        textFiles == null ? "generated" : textFiles,
                        meanTokens,
                        batch,
                        maxTokens > 0 ? Integer.toString(maxTokens) : "any number of",
                        batchWait.name().toLowerCase(java.util.Locale.ROOT),
                        cacheEntries);
            }

            KafkaClients clients = KafkaClients.of(config);
            try (ScoringService service = new ScoringService(config, settings, pool);
                    KafkaProducer<byte[], byte[]> producer =
                            // Model records carry CNN or tuned weights inline: up to Limits.MODEL_BYTES, as the
                            // trainer.
                            clients.producer(Map.of(
                                    "enable.idempotence",
                                    "true",
                                    "linger.ms",
                                    "2",
                                    "max.request.size",
                                    Integer.toString(io.streamtune.common.config.Limits.modelWriteBytes())))) {
                service.start();
                if (!service.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("scoring app did not reach RUNNING");
                }
                long version = 0;
                Random rnd = new Random(seed + 1);
                InputFeed feed = new InputFeed(inputs);
                Collector all = new Collector(broker.bootstrapServers());
                List<Measured> measured = new ArrayList<>();
                for (Served kind : measuredKinds) {
                    publish(producer, kind, labels, ++version, rnd);
                    awaitServed(service, version, Duration.ofSeconds(120));
                    measured.add(measure(kind, feed, all, producer, service, callers, oneCallerToo, cores, intraOp));
                }
                Measured primary = measured.get(0);
                Measured last = measured.get(measured.size() - 1);

                // (3) latency at half the maximum rate of the kind now in service, as a read_committed reader sees it.
                double rate = last.e2e() / 2;
                double[] scorer0 = latencyTotals(service);
                int sentLatency = paced(producer, "l-", rate, seconds, feed, null);
                await(all, "l-", sentLatency, Duration.ofSeconds(seconds * 10L));
                double[] scorer1 = latencyTotals(service);
                List<Long> latencies = all.latencies("l-");
                double p50 = percentile(latencies, 0.50);
                double p99 = percentile(latencies, 0.99);
                double meanMs =
                        latencies.stream().mapToLong(Long::longValue).average().orElse(0);
                // Where the mean goes: the scorer's own timer stops when it forwards the prediction, before the
                // exactly-once commit makes it visible to a read_committed reader.
                double scorerMeanMs =
                        scorer1[0] > scorer0[0] ? (scorer1[1] - scorer0[1]) / (scorer1[0] - scorer0[0]) : 0;
                System.out.printf(
                        "latency (%s) at %.0f events/s: p50 %.0f ms, p99 %.0f ms (%d events); mean %.0f ms, of which"
                                + " %.0f ms until the scorer forwarded the prediction and %.0f ms the commit and the"
                                + " reader%n",
                        last.served().kind(),
                        rate,
                        p50,
                        p99,
                        latencies.size(),
                        meanMs,
                        scorerMeanMs,
                        meanMs - scorerMeanMs);

                // (4) swaps under load, at half the slowest kind's rate, each version on the next kind's backbone.
                double swapRate =
                        measured.stream().mapToDouble(Measured::e2e).min().orElse(rate * 2) / 2;
                Counter swapMeter = service.meterRegistry()
                        .find(ScoringMetrics.SWAPS)
                        .tag("task", TASK)
                        .counter();
                double swapsBefore = swapMeter == null ? 0 : swapMeter.count();
                long base = version;
                long[] nextVersion = {version + 1};
                int sentSwap = paced(producer, "s-", swapRate, seconds, feed, (i, total) -> {
                    long due = (long) total * (nextVersion[0] - base) / (swaps + 1);
                    if (nextVersion[0] <= base + swaps && i >= due) {
                        Served next = served.get((int) ((nextVersion[0] - 1) % served.size()));
                        publish(producer, next, labels, nextVersion[0]++, rnd);
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
                        "swaps under load (%s): %d published, %d swapped, %d events, lost %d, duplicates %d, "
                                + "partitions going back to an older version %d%s%n",
                        served.stream().map(Served::kind).distinct().toList(),
                        swaps,
                        swapped,
                        sentSwap,
                        sentSwap - distinct,
                        records - distinct,
                        backwards,
                        complete ? "" : " (timed out waiting)");

                Counter hitMeter = service.meterRegistry()
                        .find(ScoringMetrics.CACHE)
                        .tag("outcome", "hit")
                        .counter();
                Counter missMeter = service.meterRegistry()
                        .find(ScoringMetrics.CACHE)
                        .tag("outcome", "miss")
                        .counter();
                double hits = hitMeter == null ? 0 : hitMeter.count();
                double lookups = hits + (missMeter == null ? 0 : missMeter.count());
                if (cacheEntries > 0) {
                    System.out.printf(
                            "score cache: %.0f hits in %.0f lookups (%.2f%%)%s%n",
                            hits,
                            lookups,
                            lookups == 0 ? 0 : 100 * hits / lookups,
                            feed.wrapped()
                                    ? "; the feed started over, so some hits are repeats of the bench's own (see bench cache)"
                                    : "");
                }
                result.put("encoder", image ? first.key().id() : encoderId);
                result.put(
                        "texts",
                        image
                                ? "generated images"
                                : textFiles == null
                                        ? "generated"
                                        : textFiles.stream()
                                                .map(f -> f.getFileName().toString())
                                                .toList());
                result.put("meanTokens", round(meanTokens));
                result.put("batch", batch);
                result.put("maxTokens", maxTokens);
                result.put("batchWait", batchWait.name().toLowerCase(java.util.Locale.ROOT));
                result.put("maxWaitMs", maxWaitMs);
                result.put("lingerMs", lingerMs == null ? 5 : lingerMs);
                result.put("cacheEntries", cacheEntries);
                result.put("cacheHitRate", lookups == 0 ? null : Math.round(hits / lookups * 10_000) / 10_000.0);
                result.put("textsStartedOver", feed.wrapped());
                result.put("partitions", partitions);
                result.put("commitIntervalMs", commitIntervalMs);
                result.put("streamThreads", streamThreads);
                result.put("encoderWorkers", workers);
                // The first kind's figures under the historical names (head-only for text, the CNN for images).
                result.put("encoderAsServedPerSecond", round(primary.asServed()));
                result.put("encoderOneCallerPerSecond", round(primary.oneCaller()));
                result.put("encoderOnlyPerSecond", round(primary.alone()));
                result.put("eventsPerSecond", round(primary.e2e()));
                result.put("ratio", ratio(primary));
                result.put("latencyRatePerSecond", round(rate));
                result.put("p50Ms", round(p50));
                result.put("p99Ms", round(p99));
                result.put("meanMs", round(meanMs));
                result.put("scorerMeanMs", round(scorerMeanMs));
                result.put("swaps", swapped);
                result.put("swapEvents", sentSwap);
                result.put("lost", sentSwap - distinct);
                result.put("duplicates", records - distinct + all.duplicatesOutside("s-"));
                result.put("versionsBackwards", backwards);
                result.put("loadAverage", Math.round(loadAverage() * 100) / 100.0);
                // PyTorch's speed depends on it (NativeAllocator): the CNN twice as fast with the launcher's value.
                result.put("glibcTunables", System.getenv(NativeAllocator.ENV));
                // Added with the fine-tuned and image modes; older readers ignore them.
                result.put("modality", modality.name().toLowerCase(java.util.Locale.ROOT));
                result.put("ratioKind", primary.served().kind());
                Map<String, Double> ratios = new LinkedHashMap<>();
                for (Measured m : measured) {
                    ratios.put(m.served().kind(), ratio(m));
                }
                result.put("ratios", ratios);
                result.put("kinds", measured.stream().map(this::describe).toList());
                result.put("latencyKind", last.served().kind());
                result.put(
                        "swapKinds",
                        served.stream().map(Served::kind).distinct().toList());
                result.put("swapRatePerSecond", round(swapRate));
                if (image) {
                    result.put("imageSize", imageSize);
                    result.put("imageChannels", imageChannels);
                    result.put("cnnLayers", cnnLayers);
                    result.put("meanImageBytes", Math.round(meanBytes));
                }
            }
        } finally {
            for (Served s : served) {
                s.lease().close();
                if (s.perCore() != null) {
                    s.perCore().close();
                }
            }
        }
        System.out.println(Json.writeString(result));
        return 0;
    }

    /**
     * Measures one kind now in service: (1) its backbone alone with the app's batching, cold, as served and with one
     * caller, to choose the faster and size the phases; (2) a warm-up end to end until the JIT compiler settles; (3)
     * the faster backbone configuration alone, now warm; (4) end to end through the broker and the scoring app; (5)
     * the backbone alone again. The baseline is the mean of (3) and (5): both warm, one before and one after.
     */
    private Measured measure(
            Served kind,
            InputFeed feed,
            Collector all,
            KafkaProducer<byte[], byte[]> producer,
            ScoringService service,
            int callers,
            boolean oneCallerToo,
            int cores,
            int intraOp)
            throws InterruptedException {
        String k = kind.kind();
        boolean cnn = kind.ref().kind() == BackboneKind.IMAGE_CNN;
        double asServed = throughput(kind.backbone(), feed.inputs(), callers);
        System.out.printf(
                "[%s] backbone only (%s, batch %d, %d caller(s)%s, as the scoring app runs it): %.1f inputs/s%n",
                k,
                kind.ref().id(),
                batch,
                callers,
                cnn ? "" : " x " + (intraOp == 0 ? "per-core" : intraOp) + " ONNX Runtime thread(s)",
                asServed);
        double oneCaller = asServed;
        if (oneCallerToo) {
            oneCaller = throughput(kind.perCoreBackbone(), feed.inputs(), 1);
            System.out.printf(
                    "[%s] backbone only (1 caller%s): %.1f inputs/s%n",
                    k, cnn ? "" : " x per-core threads, " + cores + " cores", oneCaller);
        }
        double alone = Math.max(asServed, oneCaller);
        Backbone best = oneCaller > asServed ? kind.perCoreBackbone() : kind.backbone();
        int bestCallers = oneCaller > asServed ? 1 : callers;

        // Warm-up, untimed, as long as the measured backlog: the JIT compiles the broker's, the clients' and the
        // Streams paths for a long while (measured: the compiler threads took ~10% of the CPU in a cold run, still
        // ~7% after a warm-up half this long). Every kind gets the same, so that kinds measured later are not favoured.
        // (At least 100 events: the floor only binds in tiny runs, e.g. --seconds 1 in tests.)
        int warm = (int) Math.max(100, alone * seconds);
        long w0 = System.nanoTime();
        for (int i = 0; i < warm; i++) {
            send(producer, "w-" + k + "-" + i, feed.next());
        }
        producer.flush();
        await(all, "w-" + k + "-", warm, Duration.ofSeconds(seconds * 20L));
        System.out.printf(
                "[%s] warm-up: %d events end to end in %.1f s (not counted)%n",
                k, warm, (System.nanoTime() - w0) / 1e9);
        // Then more rounds (a third as long each) while the JIT compiler still takes more than JIT_SETTLED of the
        // cores:
        // a scorer runs for days, so the figure is its steady state, not its first minute (measured: the compiler took
        // 8-10% of the 2 cores through the end-to-end phase after the warm-up above alone).
        for (int round = 1; round <= MAX_EXTRA_WARM_UP_ROUNDS; round++) {
            CpuShares.Snapshot r0 = CpuShares.snapshot();
            int more = Math.max(100, warm / 3);
            for (int i = 0; i < more; i++) {
                send(producer, "w" + round + "-" + k + "-" + i, feed.next());
            }
            producer.flush();
            await(all, "w" + round + "-" + k + "-", more, Duration.ofSeconds(seconds * 20L));
            double jit = CpuShares.jitShareSince(r0, cores);
            System.out.printf(
                    "[%s] warm-up round %d: %d events, JIT compiler %.1f%% of the cores%s%n",
                    k, round, more, jit * 100, jit > JIT_SETTLED ? "" : " (settled)");
            if (jit <= JIT_SETTLED) {
                break;
            }
        }

        // The baseline, warm: measured cold above, the alone figure came out 5-10% under what the workers later did
        // per core end to end, while the compiler still took 10-15% of the cores.
        double warmAlone = throughput(best, feed.inputs(), bestCallers);
        System.out.printf(
                "[%s] backbone only after the warm-up: %.1f inputs/s (load average %.2f)%n",
                k, warmAlone, loadAverage());

        // End-to-end throughput: a backlog the app drains as fast as it can.
        String prefix = "t-" + k + "-";
        int n = (int) Math.max(100, alone * seconds);
        CpuShares.Snapshot cpu0 = CpuShares.snapshot();
        double[] batches0 = batchTotals(service);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            send(producer, prefix + i, feed.next());
        }
        producer.flush();
        await(all, prefix, n, Duration.ofSeconds(seconds * 20L));
        // Where the cores went while the app drained the backlog: what the encoder workers did not get is the gap.
        Map<String, Double> cpu = CpuShares.since(cpu0, cores);
        double[] batches1 = batchTotals(service);
        // Mean size of the model calls the workers made: the alone phase always calls with full batches.
        double meanBatch = batches1[0] > batches0[0] ? (batches1[1] - batches0[1]) / (batches1[0] - batches0[0]) : 0;
        double e2e = n / ((all.lastArrivalNanos - t0) / 1e9);
        double again = throughput(best, feed.inputs(), bestCallers);
        System.out.printf("[%s] backbone only again: %.1f inputs/s (load average %.2f)%n", k, again, loadAverage());
        double mean = (warmAlone + again) / 2;
        System.out.printf(
                "[%s] end to end: %d events in %.1f s: %.1f events/s (ratio %.2f)%n",
                k, n, (all.lastArrivalNanos - t0) / 1e9, e2e, e2e / mean);
        System.out.printf("[%s] CPU while end to end (share of %d cores): %s%n", k, cores, CpuShares.describe(cpu));
        System.out.printf(
                "[%s] model calls while end to end: %.0f, mean batch %.1f (the alone phase: %d)%n",
                k, batches1[0] - batches0[0], meanBatch, batch);
        return new Measured(kind, asServed, oneCaller, warmAlone, again, mean, e2e, n, cpu, round(meanBatch));
    }

    private Map<String, Object> describe(Measured m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", m.served().kind());
        d.put("backbone", m.served().ref().id());
        d.put(
                "weights",
                m.served().ref().weights() == null
                        ? null
                        : m.served().ref().weights().format().wireName());
        d.put("weightsBytes", m.served().weightsBytes());
        d.put(
                "weightsInline",
                m.served().ref().weights() == null || m.served().ref().weights().isInline());
        d.put("trainSeconds", round(m.served().trainSeconds()));
        d.put("aloneAsServedPerSecond", round(m.asServed()));
        d.put("aloneOneCallerPerSecond", round(m.oneCaller()));
        d.put("aloneWarmPerSecond", round(m.warm()));
        d.put("aloneAgainPerSecond", round(m.again()));
        d.put("alonePerSecond", round(m.alone()));
        d.put("eventsPerSecond", round(m.e2e()));
        d.put("events", m.events());
        d.put("ratio", ratio(m));
        d.put("cpuShares", m.cpuShares());
        d.put("meanBatch", m.meanBatch());
        return d;
    }

    /**
     * The scorer's latency timer so far ({@link ScoringMetrics#LATENCY}: event timestamp to the forwarded prediction):
     * {count, total milliseconds}.
     */
    private static double[] latencyTotals(ScoringService service) {
        double count = 0;
        double total = 0;
        for (var timer : service.meterRegistry().find(ScoringMetrics.LATENCY).timers()) {
            count += timer.count();
            total += timer.totalTime(TimeUnit.MILLISECONDS);
        }
        return new double[] {count, total};
    }

    /** The scorer's model calls so far and the inputs they held: {count, total} of its batch-size summary. */
    private static double[] batchTotals(ScoringService service) {
        double count = 0;
        double total = 0;
        for (var summary :
                service.meterRegistry().find(ScoringMetrics.BATCH_SIZE).summaries()) {
            count += summary.count();
            total += summary.totalAmount();
        }
        return new double[] {count, total};
    }

    private static double ratio(Measured m) {
        return Math.round(m.ratio() * 1000) / 1000.0;
    }

    /** Polls until the scorer serves {@code version}; fails with the registry's reason when it refused it. */
    private static void awaitServed(ScoringService service, long version, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (service.models().servedVersion(TASK).orElse(0) != version) {
            io.streamtune.scoring.model.ModelRegistry.Rejection r =
                    service.models().lastRejection(TASK);
            if (r != null && r.version() == version) {
                throw new IllegalStateException(
                        "the scorer refused v" + version + ": " + r.reason() + " " + r.message());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the scorer did not serve v" + version + " within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    /** The frozen encoder of the task, head-only versions: the mode the bench has always measured. */
    private Served frozenText(Backbones pool, Backbones perCorePool, boolean oneCallerToo) throws ArtifactException {
        Backbones.Lease lease = pool.frozenText(encoderId, Encoders.DEFAULT_MAX_SEQUENCE_LENGTH);
        Backbones.Lease perCore = oneCallerToo ? perCorePool.acquire(lease.ref()) : null;
        return new Served("head", lease.ref(), lease, perCore, null, 0);
    }

    /**
     * Fine-tunes the encoder with the trainer's {@link FineTuner} (one epoch on {@code --train-examples} generated
     * sentences, 16 tokens) and returns what a version of it serves: the tuned weights inline in the record when they
     * fit {@code artifacts.inlineMaxBytes} (BitFit, LoRA), else in the artifact store (full), as the trainer does.
     */
    private Served fineTuned(
            FinetuneMode mode,
            BackboneRef frozen,
            StreamtuneConfig config,
            ArtifactStore store,
            Backbones pool,
            Backbones perCorePool,
            boolean oneCallerToo)
            throws Exception {
        List<String> texts = sentences(trainExamples, seed + 7);
        List<Labelled> examples = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            examples.add(Labelled.text(texts.get(i), TEXT_LABELS.get(i % TEXT_LABELS.size())));
        }
        FinetuneOptions options = FinetuneOptions.defaults(mode)
                .withEpochs(1)
                .withMaxLength(16)
                .withBatchSize(16)
                .withSeed(seed);
        long t0 = System.nanoTime();
        FinetuneResult r = new FineTuner()
                .tune(encoderId, null, null, TEXT_LABELS, examples, options, Device.CPU, (step, total, loss) -> {});
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        BackboneRef ref = r.backbone(
                encoderId,
                frozen.baseSha256(),
                Encoders.DEFAULT_MAX_SEQUENCE_LENGTH,
                config.artifacts().inlineMaxBytes(),
                store);
        String kind = mode.name().toLowerCase(java.util.Locale.ROOT);
        System.out.printf(
                "[%s] fine-tuned %s in %.1f s (%d examples, 1 epoch, %d steps): %d bytes of weights %s%n",
                kind,
                encoderId,
                trainSeconds,
                examples.size(),
                r.steps(),
                ref.weights().sizeBytes(),
                ref.weights().isInline() ? "inline in the record" : "in the artifact store");
        Backbones.Lease lease = pool.acquire(ref);
        Backbones.Lease perCore = oneCallerToo ? perCorePool.acquire(ref) : null;
        return new Served(kind, ref, lease, perCore, r.head(), trainSeconds);
    }

    /**
     * Two CNN versions as the trainer makes them ({@link CnnTrainer}, the task's {@code cnn} settings, one epoch on
     * {@code --train-examples} generated images each): v1 from scratch, v2 fine-tuned from v1 on the next window. Both
     * are served for the swaps; v1's ratio is measured. The one-caller baseline uses the same instance (ONNX Runtime
     * threads do not apply to the PyTorch CNN).
     */
    private List<Served> cnnVersions(TaskConfig task, Backbones pool) throws Exception {
        CnnTrainer trainer =
                new CnnTrainer(task.image().spec(), task.cnn(), task.head().classWeights());
        ImagePreprocessor pre =
                new ImagePreprocessor(task.image().spec(), task.image().maxPixels());
        List<Served> out = new ArrayList<>();
        WarmStart warm = null;
        for (int v = 0; v < 2; v++) {
            Random r = new Random(seed + 100 + v);
            List<byte[]> pixels = new ArrayList<>();
            int[] y = new int[trainExamples];
            for (int i = 0; i < trainExamples; i++) {
                y[i] = i % 2;
                pixels.add(pre.pixels(bars(y[i], imageSize, imageChannels, r)));
            }
            CnnTrainingResult t = trainer.train(new LabelledImages(task.image().spec(), pixels, y), 2, warm, null);
            warm = t.asWarmStart();
            byte[] encoded = t.backbone().encode();
            BackboneRef ref = new BackboneRef(
                    BackboneKind.IMAGE_CNN,
                    trainer.architecture().id(),
                    "",
                    0,
                    WeightsRef.inline(WeightsRef.Format.CNN, encoded));
            System.out.printf(
                    "[cnn] trained %s v%d (%s) in %.1f s on %d generated images: %d bytes of weights inline%n",
                    trainer.architecture().id(),
                    v + 1,
                    t.start().name().toLowerCase(java.util.Locale.ROOT),
                    t.trainSeconds(),
                    trainExamples,
                    encoded.length);
            out.add(new Served("cnn", ref, pool.acquire(ref), null, t.head(), t.trainSeconds()));
        }
        return out;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /**
     * The backbone's own throughput in this process with {@code callers} threads, each cutting the inputs, in order,
     * into batches as the scoring app does ({@link ScoringTopology.BatchPolicy#cut}: count and token budget, tokens
     * counted by the backbone; images cost no tokens, so they are cut by count) and passing them to
     * {@link Backbone#features} back to back: for text, the encoder, which sorts and splits by length inside the call
     * as it does for the app; for images, decoding, resizing and normalising each PNG, then one CNN forward per batch.
     *
     * @return inputs per second
     */
    private double throughput(Backbone backbone, List<ModelInput> inputs, int callers) throws InterruptedException {
        // Untimed warm-up: three batches, then up to a tenth of the phase (at most 1 s): a CNN's first forward
        // calls on PyTorch are several times slower than the steady state.
        long warmUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(1000, seconds * 100L));
        for (int i = 0; i < 3 || System.nanoTime() < warmUntil; i++) {
            int from = (i * batch) % (inputs.size() - batch);
            backbone.features(inputs.subList(from, from + batch));
        }
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int first = t * 7 * batch;
            Thread caller = new Thread(
                    () -> {
                        int offset = first % (inputs.size() - batch);
                        while (System.nanoTime() < end) {
                            if (offset + batch > inputs.size()) {
                                offset = 0;
                            }
                            List<ModelInput> window = inputs.subList(offset, offset + batch);
                            int[] tokens = new int[window.size()];
                            java.util.Arrays.fill(tokens, -1);
                            int n = policy.cut(
                                    i -> tokens[i] >= 0 ? tokens[i] : (tokens[i] = backbone.tokens(window.get(i))),
                                    window.size());
                            backbone.features(window.subList(0, n));
                            offset += n;
                            done.addAndGet(n);
                        }
                    },
                    "bench-backbone-" + t);
            caller.start();
            threads.add(caller);
        }
        for (Thread caller : threads) {
            caller.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** The texts of JSONL files (their "text" fields), mixed in a seeded order. */
    static List<String> texts(List<Path> files, long seed) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    com.fasterxml.jackson.databind.JsonNode text =
                            Json.mapper().readTree(line).get("text");
                    if (text != null && text.isTextual() && !text.asText().isBlank()) {
                        out.add(text.asText());
                    }
                }
            }
        }
        java.util.Collections.shuffle(out, new Random(seed));
        return out;
    }

    /** The inputs to send, in order, starting over at the end. */
    private static final class InputFeed {
        private final List<ModelInput> inputs;
        private int next;
        private boolean wrapped;

        InputFeed(List<ModelInput> inputs) {
            this.inputs = inputs;
        }

        List<ModelInput> inputs() {
            return inputs;
        }

        synchronized ModelInput next() {
            ModelInput t = inputs.get(next);
            next = (next + 1) % inputs.size();
            wrapped |= next == 0;
            return t;
        }

        /** Whether every text was sent and the feed started over (repeats the data did not have). */
        synchronized boolean wrapped() {
            return wrapped;
        }
    }

    private interface Tick {
        void at(int i, int total) throws Exception;
    }

    /** Sends at a fixed rate for {@code secs} seconds; returns how many were sent. */
    private static int paced(
            KafkaProducer<byte[], byte[]> producer, String prefix, double rate, int secs, InputFeed feed, Tick tick)
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
            send(producer, prefix + i, feed.next());
        }
        producer.flush();
        return total;
    }

    /** One event: its text, or its picture as base64 in {@code image}, as a producer of the task sends it. */
    private static void send(KafkaProducer<byte[], byte[]> producer, String id, ModelInput input) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", id);
        if (input instanceof ModelInput.Text t) {
            event.put("text", t.text());
        } else if (input instanceof ModelInput.Image im) {
            event.put("image", Base64.getEncoder().encodeToString(im.encoded()));
        }
        event.put("ts", System.currentTimeMillis());
        event.put("attrs", Map.of("source", "bench"));
        producer.send(new ProducerRecord<>(
                TaskTopics.of(TASK).events(),
                id.getBytes(StandardCharsets.UTF_8),
                Json.writeString(event).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Publishes version {@code version} on {@code served}'s backbone, with its trained head or a random linear one
     * (serving speed does not depend on the head's values).
     */
    private static void publish(
            KafkaProducer<byte[], byte[]> producer, Served served, List<String> labels, long version, Random rnd)
            throws Exception {
        HeadWeights head = served.head();
        if (head == null) {
            int d = served.backbone().dimension();
            float[] w = new float[d * labels.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() * 0.5);
            }
            head = new HeadWeights(
                    HeadKind.LINEAR, List.of(new HeadWeights.Layer(d, labels.size(), w, new float[labels.size()])));
        }
        BackboneRef ref = served.ref();
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                TASK,
                version,
                version > 1 ? version - 1 : null,
                ref.id(),
                ref.baseSha256(),
                labels,
                null,
                List.of(),
                System.currentTimeMillis(),
                "bench " + served.kind() + " v" + version);
        ModelArtifact a = ModelArtifact.of(meta, ref, head);
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
        /**
         * Distinct ids per id stem (the id up to its last '-', e.g. "t-head-"): the waits poll this every 20 ms while
         * the app drains, and a scan of every id received so far took the reader's core from the measured phase.
         */
        private final Map<String, java.util.concurrent.atomic.AtomicInteger> distinctByStem = new ConcurrentHashMap<>();

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
                                    if (perId.merge(p.id(), 1, Integer::sum) == 1) {
                                        distinctByStem
                                                .computeIfAbsent(
                                                        stem(p.id()),
                                                        k -> new java.util.concurrent.atomic.AtomicInteger())
                                                .incrementAndGet();
                                    }
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

        /** Distinct ids that start with {@code prefix}, a stem or the start of one (a few stems: cheap to poll). */
        int distinct(String prefix) {
            return distinctByStem.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(prefix))
                    .mapToInt(e -> e.getValue().get())
                    .sum();
        }

        private static String stem(String id) {
            return id.substring(0, id.lastIndexOf('-') + 1);
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

    /**
     * {@code n} generated PNG pictures of {@code size} x {@code size} pixels ({@link #bars}, alternating labels),
     * encoded once: the events of the image mode.
     */
    static List<ModelInput> images(int n, int size, int channels, long seed) throws java.io.IOException {
        Random r = new Random(seed);
        List<ModelInput> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            if (!javax.imageio.ImageIO.write(bars(i % 2, size, channels, r), "png", png)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
            out.add(new ModelInput.Image(png.toByteArray()));
        }
        return out;
    }

    /**
     * A picture of one bright bar on a dark background, horizontal (label 0) or vertical (label 1), at a random
     * place, with random shades, and a little noise so that PNG compression does not make it trivially small; grey
     * when {@code channels} is 1.
     */
    static java.awt.image.BufferedImage bars(int label, int size, int channels, Random r) {
        java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(
                size,
                size,
                channels == 1
                        ? java.awt.image.BufferedImage.TYPE_BYTE_GRAY
                        : java.awt.image.BufferedImage.TYPE_INT_RGB);
        int width = Math.max(1, size / 8);
        int at = r.nextInt(Math.max(1, size - width));
        int dark = r.nextInt(60);
        int bright = 160 + r.nextInt(96);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean on = label == 0 ? y >= at && y < at + width : x >= at && x < at + width;
                int v = Math.min(255, (on ? bright : dark) + r.nextInt(24));
                int rgb = channels == 1 ? (v << 16) | (v << 8) | v : (v << 16) | ((v * 3 / 4) << 8) | (255 - v) / 2;
                im.setRGB(x, y, rgb);
            }
        }
        return im;
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
