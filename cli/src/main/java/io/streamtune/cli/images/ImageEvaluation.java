package io.streamtune.cli.images;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.CnnPolicy;
import io.streamtune.common.config.CnnSettings;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.ImageSettings;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.image.ImageSpec;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.CnnArchitecture;
import io.streamtune.common.model.CnnClassifier;
import io.streamtune.common.model.CnnParametersFile;
import io.streamtune.common.serde.Json;
import io.streamtune.trainer.training.Evaluation;
import io.streamtune.trainer.training.image.CnnTrainer;
import io.streamtune.trainer.training.image.CnnTrainingResult;
import io.streamtune.trainer.training.image.LabelledImages;
import io.streamtune.trainer.training.image.WarmStart;

/**
 * The image path of {@code streamtune evaluate}: reads an ImageFolder directory or IDX files,
 * trains through the trainer's {@link CnnTrainer} (optionally over consecutive windows, each
 * starting from the previous weights), scores the test images through the serving code
 * ({@link CnnClassifier}, batches of {@code --serving-batch}) and prints the same report and JSON
 * line as the text path, plus {@code trainSeconds}, {@code imagesPerSecond} and the serving
 * throughput.
 */
public final class ImageEvaluation {

    /**
     * What the evaluate command was given that applies to images.
     *
     * @param train        ImageFolder directory or IDX image file
     * @param test         the same kind, or null to split {@code train}
     * @param labels       label names in index order, or null (IDX: "0".."k-1"; folders: sorted folder names)
     * @param seed         shuffle, split, subsample and training seed
     * @param split        train fraction when {@code test} is null
     * @param maxTrain     at most this many training images, or null
     * @param epochs       epochs per training, or null for the {@code cnn.epochs} default
     * @param learningRate or null for the {@code cnn.learningRate} default
     * @param weighting    class weights of the loss
     * @param device       auto, cpu or gpu
     */
    public record Request(
            Path train,
            Path test,
            List<String> labels,
            long seed,
            double split,
            Integer maxTrain,
            Integer epochs,
            Double learningRate,
            ClassWeighting weighting,
            Device device) {}

    private final Request request;
    private final ImageEvaluateOptions options;

    public ImageEvaluation(Request request, ImageEvaluateOptions options) {
        this.request = request;
        this.options = options;
    }

    /** Whether {@code train} names image data (a directory or an IDX image file) rather than JSONL. */
    public static boolean isImageData(Path train) {
        return Files.isDirectory(train) || IdxImages.isIdxImages(train);
    }

    private record DataSet(LabelledImages images, List<String> labels) {}

    /** Runs the evaluation; returns the exit code (0, or 2 for bad input with one line on {@code err}). */
    public int run(PrintStream out, PrintStream err) throws IOException {
        IdxImages idxTrain = null;
        ImageSpec spec;
        CnnPolicy policy;
        Device device;
        try {
            if (!Files.isDirectory(request.train())) {
                idxTrain = IdxImages.read(request.train());
            }
            device = request.device();
            spec = spec(idxTrain);
            String problem = CnnArchitecture.problem(options.layers, spec.size());
            if (problem != null) {
                err.println("--layers: " + problem);
                return 2;
            }
            if (options.windows < 1 || options.batchSize < 2 || options.servingBatch < 1) {
                err.println("--windows and --serving-batch must be >= 1, --batch-size >= 2");
                return 2;
            }
            if (options.pretrained != null && CnnSettings.pretrainedProblem(options.pretrained) != null) {
                err.println("--pretrained: " + CnnSettings.pretrainedProblem(options.pretrained));
                return 2;
            }
            policy = new CnnPolicy(
                    options.layers,
                    request.epochs() != null ? request.epochs() : CnnSettings.EPOCHS.defaultValue(),
                    options.batchSize,
                    request.learningRate() != null ? request.learningRate() : CnnSettings.LEARNING_RATE.defaultValue(),
                    options.freezeBackbone,
                    options.pretrained,
                    request.seed(),
                    device);
        } catch (IOException | IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }

        DataSet train;
        DataSet test;
        try {
            train = read(request.train(), idxTrain, spec, request.labels(), err);
            if (request.test() != null) {
                test = read(request.test(), null, spec, train.labels(), err);
            } else {
                if (!(request.split() > 0 && request.split() < 1)) {
                    err.println("--split must be in (0, 1), got " + request.split());
                    return 2;
                }
                LabelledImages all = shuffled(train.images(), request.seed());
                int cut = (int) Math.round(all.size() * request.split());
                test = new DataSet(all.slice(cut, all.size()), train.labels());
                train = new DataSet(all.slice(0, cut), train.labels());
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        // The stream a trainer sees is in arrival order; an ImageFolder is sorted by label, so shuffle.
        LabelledImages trainSet = shuffled(train.images(), request.seed());
        if (request.maxTrain() != null && request.maxTrain() < trainSet.size()) {
            trainSet = trainSet.slice(0, request.maxTrain());
        }
        LabelledImages testSet = test.images();
        if (options.maxTest != null && options.maxTest < testSet.size()) {
            testSet = shuffled(testSet, request.seed()).slice(0, options.maxTest);
        }
        List<String> labels = train.labels();
        int windows = Math.min(options.windows, trainSet.size() / 2);
        CnnTrainer trainer = new CnnTrainer(spec, policy, request.weighting());
        out.printf(
                "model %s, train %d, test %d, labels %s, epochs %d, windows %d, batch %d, lr %s, seed %d,"
                        + " device %s%n%n",
                trainer.architecture(),
                trainSet.size(),
                testSet.size(),
                labels,
                policy.epochs(),
                windows,
                policy.batchSize(),
                policy.learningRate(),
                policy.seed(),
                trainer.device());

        CnnTrainingResult result = null;
        WarmStart previous = null;
        double trainSeconds = 0;
        ArrayNode windowAccuracies = Json.mapper().createArrayNode();
        try {
            for (int w = 0; w < windows; w++) {
                LabelledImages window =
                        trainSet.slice(w * trainSet.size() / windows, (w + 1) * trainSet.size() / windows);
                result = trainWithProgress(
                        trainer,
                        window,
                        labels.size(),
                        previous,
                        windows == 1 ? "train" : "train " + (w + 1) + "/" + windows);
                previous = result.asWarmStart();
                trainSeconds += result.trainSeconds();
                if (windows > 1) {
                    double accuracy = score(result, trainer.architecture(), testSet, labels)
                            .evaluation
                            .accuracy();
                    windowAccuracies.add(round(accuracy));
                    out.printf(
                            "window %d/%d: %d images, %s, %.1f s, %.0f images/s, test accuracy %.4f%n",
                            w + 1,
                            windows,
                            window.size(),
                            result.start().name().toLowerCase(Locale.ROOT),
                            result.trainSeconds(),
                            result.imagesPerSecond(),
                            accuracy);
                }
            }
            if (windows > 1) {
                out.println();
            }
            Scored scored = score(result, trainer.architecture(), testSet, labels);
            out.print(scored.evaluation.report());
            out.println();
            if (options.saveModel != null) {
                Path file = CnnParametersFile.save(result.backbone(), result.head(), options.saveModel, "evaluate");
                err.println("model written to " + file);
            }
            out.println(json(
                    scored,
                    result,
                    trainer,
                    policy,
                    trainSet.size(),
                    testSet.size(),
                    labels,
                    windows,
                    windowAccuracies,
                    trainSeconds));
            return 0;
        } catch (ArtifactException e) {
            err.println(e.getMessage());
            return 2;
        }
    }

    /** The input: options first, else the IDX images' own size (grey) or the task settings' defaults. */
    private ImageSpec spec(IdxImages idx) {
        int channels = options.channels != null ? options.channels : idx != null ? 1 : 3;
        int size = options.size != null
                ? options.size
                : idx != null ? Math.min(idx.rows(), idx.cols()) : ImageSettings.SIZE.defaultValue();
        return new ImageSpec(
                size,
                channels,
                floats(options.mean, ImageSettings.MEAN.defaultValue()),
                floats(options.std, ImageSettings.STD.defaultValue()));
    }

    private static float[] floats(List<Float> values, List<Double> def) {
        if (values == null || values.isEmpty()) {
            float[] out = new float[def.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = def.get(i).floatValue();
            }
            return out;
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /** Reads a data set; {@code idx} is the source already read, or null. */
    private DataSet read(Path source, IdxImages idx, ImageSpec spec, List<String> labels, PrintStream err)
            throws IOException {
        ImagePreprocessor pre = new ImagePreprocessor(spec, ImagePreprocessor.DEFAULT_MAX_PIXELS);
        if (Files.isDirectory(source)) {
            List<ImageFolder.Entry> entries = ImageFolder.examples(source);
            List<String> names = labels != null ? List.copyOf(labels) : ImageFolder.labels(entries);
            List<byte[]> pixels = new ArrayList<>();
            List<Integer> y = new ArrayList<>();
            int skipped = 0;
            for (ImageFolder.Entry e : entries) {
                int label = names.indexOf(e.label());
                if (label < 0) {
                    throw new IllegalArgumentException("label '" + e.label() + "' (folder of " + e.file()
                            + ") is not in " + names + " (use --labels)");
                }
                try {
                    pixels.add(pre.pixels(Files.readAllBytes(e.file())));
                    y.add(label);
                } catch (ImageException ex) {
                    if (skipped++ < 5) {
                        err.println("skipped " + e.file() + ": " + ex.defect() + ": " + ex.getMessage());
                    }
                }
            }
            if (skipped > 0) {
                err.println("skipped " + skipped + " undecodable image(s) of " + entries.size() + " in " + source);
            }
            int[] labelIndices = y.stream().mapToInt(Integer::intValue).toArray();
            return new DataSet(new LabelledImages(spec, pixels, labelIndices), names);
        }
        if (idx == null) {
            idx = IdxImages.read(source);
        }
        List<String> names = labels;
        if (names == null) {
            names = new ArrayList<>();
            for (int i = 0; i < idx.labelCount(); i++) {
                names.add(Integer.toString(i));
            }
        } else if (names.size() < idx.labelCount()) {
            throw new IllegalArgumentException(
                    source + " has labels 0 to " + (idx.labelCount() - 1) + ", --labels names " + names.size());
        }
        List<byte[]> pixels = new ArrayList<>(idx.size());
        for (int i = 0; i < idx.size(); i++) {
            pixels.add(pre.pixels(idx.image(i)));
        }
        return new DataSet(new LabelledImages(spec, pixels, idx.labels()), List.copyOf(names));
    }

    private static LabelledImages shuffled(LabelledImages set, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        List<byte[]> pixels = new ArrayList<>(set.size());
        int[] labels = new int[set.size()];
        int[] all = set.labels();
        for (int i = 0; i < order.size(); i++) {
            pixels.add(set.pixels().get(order.get(i)));
            labels[i] = all[order.get(i)];
        }
        return new LabelledImages(set.spec(), pixels, labels);
    }

    private static CnnTrainingResult trainWithProgress(
            CnnTrainer trainer, LabelledImages window, int numLabels, WarmStart previous, String task)
            throws ArtifactException, IOException {
        ProgressBar[] bar = new ProgressBar[1];
        try {
            return trainer.train(window, numLabels, previous, r -> {
                if (bar[0] == null) {
                    bar[0] = new ProgressBarBuilder()
                            .setTaskName(task)
                            .setInitialMax((long) r.batches() * r.epochs())
                            .setConsumer(new ConsoleProgressBarConsumer(System.err))
                            .setUpdateIntervalMillis(1000)
                            .showSpeed()
                            .build();
                }
                bar[0].stepTo((long) (r.epoch() - 1) * r.batches() + r.batch());
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
    }

    private record Scored(Evaluation evaluation, double servingImagesPerSecond) {}

    /** Scores the test set through the serving code, batch by batch, timing the forward passes. */
    private Scored score(CnnTrainingResult result, CnnArchitecture arch, LabelledImages test, List<String> labels)
            throws ArtifactException {
        int[] predicted = new int[test.size()];
        long nanos = 0;
        try (CnnClassifier model = CnnClassifier.load(result.backbone(), result.head(), arch, result.device())) {
            int batch = options.servingBatch;
            // Warm-up: the first calls pay for allocation and kernel selection.
            for (int i = 0; i < Math.min(3, (test.size() + batch - 1) / batch); i++) {
                model.predict(test.tensors(i * batch, Math.min(test.size(), (i + 1) * batch)));
            }
            for (int from = 0; from < test.size(); from += batch) {
                int to = Math.min(test.size(), from + batch);
                float[][] x = test.tensors(from, to);
                long t0 = System.nanoTime();
                int[] p = model.predict(x);
                nanos += System.nanoTime() - t0;
                System.arraycopy(p, 0, predicted, from, p.length);
            }
        }
        return new Scored(Evaluation.of(labels, test.labels(), predicted), test.size() / Math.max(nanos / 1e9, 1e-9));
    }

    private ObjectNode json(
            Scored scored,
            CnnTrainingResult result,
            CnnTrainer trainer,
            CnnPolicy policy,
            int nTrain,
            int nTest,
            List<String> labels,
            int windows,
            ArrayNode windowAccuracies,
            double trainSeconds) {
        Evaluation ev = scored.evaluation;
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("accuracy", round(ev.accuracy()));
        json.put("macroF1", round(ev.macroF1()));
        json.put("nTrain", nTrain);
        json.put("nTest", nTest);
        json.put("model", trainer.architecture().toString());
        json.put("layers", policy.layers());
        json.put("imageSize", trainer.architecture().input().size());
        json.put("channels", trainer.architecture().input().channels());
        json.put("labels", String.join(",", labels));
        json.put("seed", policy.seed());
        json.put("epochs", policy.epochs());
        json.put("batchSize", policy.batchSize());
        json.put("learningRate", policy.learningRate());
        json.put("classWeights", request.weighting().name());
        json.put("freezeBackbone", result.backboneFrozen());
        json.put("start", result.start().name());
        json.put("windows", windows);
        if (windows > 1) {
            json.set("windowAccuracies", windowAccuracies);
        }
        json.put("trainSeconds", round(trainSeconds));
        json.put("imagesPerSecond", round((double) policy.epochs() * nTrain / Math.max(trainSeconds, 1e-9)));
        json.put("servingBatch", options.servingBatch);
        json.put("servingImagesPerSecond", round(scored.servingImagesPerSecond));
        json.put("device", result.device().toString());
        json.put("backboneBytes", result.backbone().encode().length);
        json.put("backboneValues", result.backbone().valueCount());
        json.put("headValues", result.head().parameterCount());
        return json;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    @Override
    public String toString() {
        return "ImageEvaluation" + Arrays.asList(request.train(), request.test());
    }
}
