package io.streamtune.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import io.streamtune.cli.files.JsonlExamples.LabelledText;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.common.serde.Json;
import io.streamtune.trainer.training.Evaluation;
import io.streamtune.trainer.training.HeadLearner;
import io.streamtune.trainer.training.finetune.FineTuner;
import io.streamtune.trainer.training.finetune.FinetuneResult;

/**
 * {@code evaluate --finetune MODE}: fine-tunes the encoder and a linear head with {@link FineTuner} (the trainer's
 * code), then scores the test set the way the scorer would, through the tuned encoder served on ONNX Runtime
 * ({@code Encoders.open(id, maxLength, threads, weights)}) and a {@link Classifier}.
 */
final class FinetuneEvaluation {

    private FinetuneEvaluation() {}

    /**
     * Runs and prints the report, then the JSON line.
     *
     * @return the exit code
     */
    static int run(
            String encoderId,
            List<String> labels,
            List<LabelledText> train,
            List<LabelledText> test,
            FinetuneOptions options,
            Device device,
            PrintStream out,
            PrintStream err)
            throws EncoderException, ArtifactException {
        FinetuneResult r;
        try (ProgressBar pb = new ProgressBarBuilder()
                .setTaskName("fine-tune " + options.mode().name().toLowerCase(Locale.ROOT))
                .setInitialMax(1)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .setUpdateIntervalMillis(1000)
                .build()) {
            r = new FineTuner()
                    .tune(
                            encoderId,
                            null,
                            null,
                            labels,
                            EvaluateCommand.labelled(train),
                            options,
                            device,
                            (step, total, loss) -> {
                                pb.maxHint(total);
                                pb.stepTo(step);
                                pb.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
                            });
        }
        long tEval = System.nanoTime();
        Evaluation ev;
        String checksum;
        // Scored as the scorer would: the version's backbone (base encoder + these weights) acquired from the pool.
        try (Backbones pool = Backbones.opening(encoderThreads(), null)) {
            BackboneRef base;
            try (Backbones.Lease frozen = pool.frozenText(encoderId, options.maxLength())) {
                base = frozen.ref();
            }
            BackboneRef tuned;
            try {
                tuned = r.backbone(encoderId, base.baseSha256(), options.maxLength(), Long.MAX_VALUE, null);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            ModelVersion meta = new ModelVersion(
                    ModelVersion.FORMAT_VERSION,
                    "evaluate",
                    1,
                    null,
                    encoderId,
                    base.baseSha256(),
                    labels,
                    null,
                    List.of(),
                    System.currentTimeMillis(),
                    "streamtune evaluate --finetune");
            HeadLearner learner = new HeadLearner(pool, 1, 0.1);
            try (Classifier c = Classifier.open(ModelArtifact.of(meta, tuned, r.head()), pool, options.maxLength())) {
                checksum = c.backbone().key().checksum();
                ev = learner.evaluate(c, labels, EvaluateCommand.labelled(test));
            }
        }
        double evalSeconds = (System.nanoTime() - tEval) / 1e9;
        String mode = options.mode().name().toLowerCase(Locale.ROOT);
        out.printf(
                "encoder %s fine-tuned (%s), head linear, train %d, test %d, labels %s, seed %d%n%n",
                encoderId, mode, train.size(), test.size(), labels, options.seed());
        out.print(ev.report());
        out.println();
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("accuracy", EvaluateCommand.round(ev.accuracy()));
        json.put("macroF1", EvaluateCommand.round(ev.macroF1()));
        json.put("nTrain", train.size());
        json.put("nTest", test.size());
        json.put("encoder", encoderId);
        json.put("head", "linear");
        json.put("labels", String.join(",", labels));
        json.put("seed", options.seed());
        json.put("finetuneMode", mode);
        json.put("epochs", options.epochs());
        json.put("maxLength", options.maxLength());
        json.put("batchSize", options.batchSize());
        json.put("learningRate", options.effectiveLearningRate());
        json.put("headLearningRate", options.headLearningRate());
        if (options.mode() == io.streamtune.common.config.FinetuneMode.LORA) {
            json.put("loraRank", options.loraRank());
            json.put("loraAlpha", options.loraAlpha());
            json.put("loraTargets", options.loraTargets().toString().toLowerCase(Locale.ROOT));
        }
        json.put("trainSeconds", EvaluateCommand.round(r.trainSeconds()));
        json.put("secondsPerEpoch", EvaluateCommand.round(r.trainSeconds() / r.epochs()));
        json.put("trainSentencesPerSecond", EvaluateCommand.round(r.sentencesPerSecond()));
        json.put("lastEpochLoss", EvaluateCommand.round(r.lastLoss()));
        json.put("device", r.device());
        json.put("mixedPrecision", r.mixedPrecision());
        json.put("weightsBytes", r.weights().encode().length);
        json.put("encoderChecksum", checksum);
        json.put("evalSeconds", EvaluateCommand.round(evalSeconds));
        Long rss = peakRssMb();
        if (rss == null) {
            json.putNull("peakRssMb");
        } else {
            json.put("peakRssMb", rss);
        }
        out.println(json);
        return 0;
    }

    private static int encoderThreads() {
        String v = System.getProperty("streamtune.encoder.threads");
        return v == null || v.isBlank() ? 0 : Integer.parseInt(v.trim());
    }

    /** Peak resident set size of this process in MiB (Linux {@code VmHWM}), or null where unknown. */
    static Long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
