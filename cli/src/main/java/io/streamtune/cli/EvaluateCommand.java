package io.streamtune.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.streamtune.cli.files.JsonlExamples;
import io.streamtune.cli.files.JsonlExamples.LabelledText;
import io.streamtune.cli.images.ImageEvaluateOptions;
import io.streamtune.cli.images.ImageEvaluation;
import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.EncoderPrecisions;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.config.Precision;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.runtime.Backbone;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.trainer.training.Evaluation;
import io.streamtune.trainer.training.HeadLearner;
import io.streamtune.trainer.training.Labelled;

/**
 * {@code streamtune evaluate}: trains a head on a labelled JSONL file through the same
 * {@link HeadLearner} the trainer service uses, on a backbone from the same {@link Backbones}, then scores a test file (or a seeded
 * split of the training file) and prints per-label metrics, the confusion matrix and, as the
 * last stdout line, one JSON object with the figures.
 *
 * <p>Labels default to the order of first appearance in the training file (file order, before
 * any shuffling); pass {@code --labels} to fix the order.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Train a head on labelled JSONL and report accuracy, per-label P/R/F1 and the confusion matrix.")
public final class EvaluateCommand implements Callable<Integer> {

    @Option(
            names = "--train",
            required = true,
            description =
                    "training JSONL ({\"text\",\"label\"} per line), or"
                            + " images: an ImageFolder directory (one sub-folder per label) or an IDX image file (labels file beside it)")
    Path train;

    @Option(names = "--test", description = "test data of the same kind; when absent, --split divides --train")
    Path test;

    @Option(
            names = "--encoder",
            defaultValue = Encoders.DEFAULT_ID,
            description = "encoder id (default: ${DEFAULT-VALUE})")
    String encoderId;

    @Option(
            names = "--labels",
            split = ",",
            description = "ordered label set (default: order of first appearance in --train)")
    List<String> labels;

    @Option(
            names = "--head",
            defaultValue = "linear",
            converter = HeadKindConverter.class,
            description = "linear or mlp (default: ${DEFAULT-VALUE})")
    HeadKind head;

    @Option(names = "--hidden", defaultValue = "256", description = "MLP hidden units (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--max-train", description = "seeded subsample of at most N training examples")
    Integer maxTrain;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "seed for split, subsample and training (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--split",
            defaultValue = "0.8",
            description = "train fraction when --test is absent (default: ${DEFAULT-VALUE})")
    double split;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "encoder max sequence length (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--epochs", description = "max epochs (default: HeadPolicy.defaults())")
    Integer epochs;

    @Option(names = "--lr", description = "learning rate (default: HeadPolicy.defaults())")
    Double learningRate;

    @Option(
            names = "--class-weights",
            defaultValue = "BALANCED",
            description = "BALANCED (inverse frequency) or NONE (default: ${DEFAULT-VALUE})")
    ClassWeighting classWeights;

    @Option(
            names = "--embeddings-cache",
            description =
                    "directory keeping computed embeddings between runs (per encoder checksum and text set), for trying heads quickly")
    Path embeddingsCache;

    @Option(names = "--device", defaultValue = "AUTO", description = "AUTO, CPU or GPU (default: ${DEFAULT-VALUE})")
    Device device;

    @Option(
            names = "--precision",
            paramLabel = "fp32|int8|both",
            description =
                    "the encoder's precision (task setting encoder.precision); both trains and scores at each and reports "
                            + "the difference and how often the two models agree (default: the precision of --encoder)")
    String precision;

    /** Validation share of the training set for early stopping, as the trainer's default. */
    static final double VALIDATION_FRACTION = 0.1;

    /** Reads {@code linear} / {@code mlp}. */
    static final class HeadKindConverter implements CommandLine.ITypeConverter<HeadKind> {
        @Override
        public HeadKind convert(String value) {
            return HeadKind.fromWireName(value.trim().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Option(
            names = "--finetune",
            description =
                    "fine-tune the encoder too: bitfit, lora or full (tier 2); --epochs, --max-length and --seed apply, --lr sets the encoder rate")
    String finetune;

    @Option(
            names = "--head-lr",
            description = "with --finetune: head learning rate (default: finetune.headLearningRate)")
    Double headLearningRate;

    @Option(
            names = "--batch-size",
            description = "with --finetune: examples per step (default: finetune.batchSize);"
                    + " image data: images per step (default: 64)")
    Integer batchSize;

    @Mixin
    ImageEvaluateOptions image;

    public static void main(String[] a) {
        System.exit(new CommandLine(new EvaluateCommand()).execute(a));
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (ImageEvaluation.isImageData(train)) {
            if (batchSize != null) {
                image.batchSize(batchSize);
            }
            return new ImageEvaluation(
                            new ImageEvaluation.Request(
                                    train,
                                    test,
                                    labels,
                                    seed,
                                    split,
                                    maxTrain,
                                    epochs,
                                    learningRate,
                                    classWeights,
                                    device),
                            image)
                    .run(out, err);
        }
        List<LabelledText> trainSet;
        List<LabelledText> testSet;
        List<String> labelSet;
        try {
            List<LabelledText> all = JsonlExamples.read(train);
            labelSet = labels != null ? List.copyOf(labels) : JsonlExamples.labelsInOrder(all);
            if (test != null) {
                testSet = JsonlExamples.read(test);
                trainSet = JsonlExamples.shuffled(all, seed);
            } else {
                if (!(split > 0 && split < 1)) {
                    err.println("--split must be in (0, 1), got " + split);
                    return 2;
                }
                List<LabelledText> shuffled = JsonlExamples.shuffled(all, seed);
                int cut = (int) Math.round(shuffled.size() * split);
                trainSet = new ArrayList<>(shuffled.subList(0, cut));
                testSet = new ArrayList<>(shuffled.subList(cut, shuffled.size()));
            }
        } catch (JsonlExamples.BadInputException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (maxTrain != null && maxTrain < trainSet.size()) {
            trainSet = new ArrayList<>(trainSet.subList(0, maxTrain));
        }
        for (List<LabelledText> set : List.of(trainSet, testSet)) {
            for (LabelledText e : set) {
                if (!labelSet.contains(e.label())) {
                    err.println("label '" + e.label() + "' is not in " + labelSet + " (use --labels)");
                    return 2;
                }
            }
        }
        if (finetune != null) {
            FinetuneMode mode;
            try {
                mode = FinetuneMode.valueOf(finetune.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                mode = FinetuneMode.NONE;
            }
            if (mode == FinetuneMode.NONE) {
                err.println("--finetune must be bitfit, lora or full, got '" + finetune + "'");
                return 2;
            }
            FinetuneOptions f =
                    FinetuneOptions.defaults(mode).withMaxLength(maxLength).withSeed(seed);
            f = f.withEpochs(epochs != null ? epochs : f.epochs())
                    .withLearningRates(
                            learningRate != null ? learningRate : f.learningRate(),
                            headLearningRate != null ? headLearningRate : f.headLearningRate())
                    .withBatchSize(batchSize != null ? batchSize : f.batchSize());
            try {
                return FinetuneEvaluation.run(encoderId, labelSet, trainSet, testSet, f, device, out, err);
            } catch (io.streamtune.common.nlp.EncoderException | ArtifactException | IllegalArgumentException e) {
                err.println(e.getMessage());
                return 2;
            }
        }
        HeadPolicy d = HeadPolicy.defaults();
        HeadPolicy policy = d.withKind(head)
                .withHiddenUnits(hidden)
                .withMaxEpochs(epochs != null ? epochs : d.maxEpochs())
                .withLearningRate(learningRate != null ? learningRate : d.learningRate())
                .withSeed(seed)
                .withDevice(device)
                .withClassWeights(classWeights);

        if (precision != null && !List.of("fp32", "int8", "both").contains(precision)) {
            err.println("--precision must be fp32, int8 or both, got '" + precision + "'");
            return 2;
        }
        List<Precision> precisions = precision == null
                ? List.of(EncoderPrecisions.precisionOf(encoderId))
                : precision.equals("both")
                        ? List.of(Precision.FP32, Precision.INT8)
                        : List.of(Precision.valueOf(precision.toUpperCase(java.util.Locale.ROOT)));
        List<String> ids = new ArrayList<>();
        for (Precision p : precisions) {
            var id = EncoderPrecisions.atPrecision(encoderId, p);
            if (id.isEmpty()) {
                err.println("--precision " + p.name().toLowerCase(java.util.Locale.ROOT) + ": no "
                        + p.name().toLowerCase(java.util.Locale.ROOT) + " export of " + encoderId
                        + " ships (int8 exists for " + EncoderPrecisions.withInt8() + ")");
                return 2;
            }
            ids.add(id.get());
        }
        List<Result> results = new ArrayList<>();
        try {
            for (String id : ids) {
                results.add(evaluate(id, policy, labelSet, trainSet, testSet));
            }
        } catch (ArtifactException e) {
            err.println(e.getMessage());
            return 2;
        }
        for (Result r : results) {
            out.printf(
                    "encoder %s, head %s, train %d, test %d, labels %s, seed %d%n%n",
                    r.json().get("encoder").asText(), head.wireName(), trainSet.size(), testSet.size(), labelSet, seed);
            out.print(r.evaluation().report());
            out.println();
        }
        if (results.size() == 1) {
            out.println(results.get(0).json());
            return 0;
        }
        Result fp32 = results.get(0);
        Result int8 = results.get(1);
        int agree = 0;
        for (int i = 0; i < fp32.predicted().length; i++) {
            agree += fp32.predicted()[i] == int8.predicted()[i] ? 1 : 0;
        }
        double agreement = (double) agree / Math.max(1, fp32.predicted().length);
        double accuracyDifference =
                int8.evaluation().accuracy() - fp32.evaluation().accuracy();
        double f1Difference = int8.evaluation().macroF1() - fp32.evaluation().macroF1();
        out.printf(
                "int8 - fp32: accuracy %+.4f, macro F1 %+.4f; the two models predict the same label for %d of %d (%.2f%%);"
                        + " encoding %.0f against %.0f sentences/s%n%n",
                accuracyDifference,
                f1Difference,
                agree,
                fp32.predicted().length,
                100 * agreement,
                int8.encodeRate(),
                fp32.encodeRate());
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("precision", "both");
        json.set("fp32", fp32.json());
        json.set("int8", int8.json());
        json.put("accuracyDifference", round(accuracyDifference));
        json.put("macroF1Difference", round(f1Difference));
        json.put("agreement", round(agreement));
        out.println(json);
        return 0;
    }

    /** One evaluation: its metrics, the predicted label index of every test example, and its JSON line. */
    private record Result(Evaluation evaluation, int[] predicted, double encodeRate, ObjectNode json) {}

    /** Trains a head on {@code encoder}'s features of the training set and scores the test set. */
    private Result evaluate(
            String encoder,
            HeadPolicy policy,
            List<String> labelSet,
            List<LabelledText> trainSet,
            List<LabelledText> testSet)
            throws ArtifactException, java.io.IOException {
        long tOpen = System.nanoTime();
        try (Backbones backbones = Backbones.opening(0, null);
                Backbones.Lease lease = backbones.frozenText(encoder, maxLength)) {
            double openSeconds = (System.nanoTime() - tOpen) / 1e9;
            Backbone backbone = lease.backbone();
            HeadLearner learner = new HeadLearner(backbones, trainSet.size() + testSet.size() + 1, VALIDATION_FRACTION);

            // Features first (with progress and timing), so training below reads only the cache and
            // trainSeconds measures the head alone.
            List<String> allTexts = new ArrayList<>(texts(trainSet));
            allTexts.addAll(texts(testSet));
            Path stored = null;
            boolean fromDisk = false;
            if (embeddingsCache != null) {
                stored = EmbeddingStore.file(embeddingsCache, backbone, allTexts);
                fromDisk = EmbeddingStore.load(stored, backbone, allTexts, learner.cache(backbone.key()));
            }
            long tEnc = System.nanoTime();
            encodeWithProgress(learner, backbone, "encode train", texts(trainSet));
            encodeWithProgress(learner, backbone, "encode test", texts(testSet));
            double encodeSeconds = (System.nanoTime() - tEnc) / 1e9;
            long encoded = learner.cache(backbone.key()).size();
            if (stored != null && !fromDisk) {
                EmbeddingStore.save(stored, backbone, allTexts, learner.cache(backbone.key()));
            }

            long tTrain = System.nanoTime();
            HeadWeights weights = learner.trainHead(backbone, policy, labelSet, labelled(trainSet), n -> {});
            double trainSeconds = (System.nanoTime() - tTrain) / 1e9;

            ModelVersion meta = new ModelVersion(
                    ModelVersion.FORMAT_VERSION,
                    "evaluate",
                    1,
                    null,
                    lease.ref().id(),
                    lease.ref().baseSha256(),
                    labelSet,
                    null,
                    List.of(),
                    System.currentTimeMillis(),
                    "streamtune evaluate " + train.getFileName());
            ModelArtifact artifact = ModelArtifact.of(meta, lease.ref(), weights);
            Evaluation ev;
            int[] predicted;
            try (Classifier c = Classifier.open(artifact, backbones, maxLength)) {
                ev = learner.evaluate(c, labelSet, labelled(testSet));
                predicted = predict(c, learner.features(c.backbone(), ModelInput.texts(texts(testSet)), n -> {}));
            }
            double rate = fromDisk ? Double.NaN : encoded / Math.max(1e-9, encodeSeconds);
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("accuracy", round(ev.accuracy()));
            json.put("macroF1", round(ev.macroF1()));
            json.put("nTrain", trainSet.size());
            json.put("nTest", testSet.size());
            json.put("encoder", encoder);
            json.put("precision", EncoderPrecisions.precisionOf(encoder).name().toLowerCase(java.util.Locale.ROOT));
            json.put("head", head.wireName());
            json.put("labels", String.join(",", labelSet));
            json.put("seed", seed);
            json.put("encodedSentences", encoded);
            if (fromDisk) {
                // Embeddings came from --embeddings-cache: no encoder throughput was measured.
                json.putNull("encodeSentencesPerSecond");
            } else {
                json.put("encodeSentencesPerSecond", round(rate));
            }
            json.put("classWeights", classWeights.name());
            json.put("maxEpochs", policy.maxEpochs());
            json.put("learningRate", policy.learningRate());
            json.put("trainSeconds", round(trainSeconds));
            json.put("encoderOpenSeconds", round(openSeconds));
            json.put("artifactBytes", artifact.sizeBytes());
            return new Result(ev, predicted, rate, json);
        }
    }

    /** The most probable label index of each feature vector under {@code c}. */
    private static int[] predict(Classifier c, float[][] features) {
        int[] out = new int[features.length];
        for (int start = 0; start < features.length; start += 256) {
            int end = Math.min(features.length, start + 256);
            float[][] p = c.probabilities(Arrays.copyOfRange(features, start, end));
            for (int i = 0; i < p.length; i++) {
                int best = 0;
                for (int j = 1; j < p[i].length; j++) {
                    if (p[i][j] > p[i][best]) {
                        best = j;
                    }
                }
                out[start + i] = best;
            }
        }
        return out;
    }

    private static void encodeWithProgress(HeadLearner learner, Backbone backbone, String task, List<String> texts) {
        try (ProgressBar pb = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(texts.size())
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(500)
                .showSpeed()
                .build()) {
            learner.features(backbone, ModelInput.texts(texts), pb::stepTo);
        }
    }

    /** The learning core's view of examples read from a JSONL file. */
    static List<Labelled> labelled(List<LabelledText> set) {
        return set.stream().map(e -> Labelled.text(e.text(), e.label())).toList();
    }

    private static List<String> texts(List<LabelledText> set) {
        List<String> t = new ArrayList<>(set.size());
        for (LabelledText e : set) {
            t.add(e.text());
        }
        return t;
    }

    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    @Override
    public String toString() {
        return "EvaluateCommand" + Arrays.asList(train, test, encoderId);
    }
}
