package io.streamtune.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.cli.files.JsonlExamples;
import io.streamtune.cli.files.JsonlExamples.LabelledText;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.common.serde.Json;
import io.streamtune.trainer.training.finetune.FineTuner;
import io.streamtune.trainer.training.finetune.FinetuneResult;

/**
 * {@code streamtune bench finetune}: consecutive fine-tuning windows as the trainer would run them (each continues
 * from the previous window's weights and head), with the process's resident memory after each; then the throughput
 * of the last tuned encoder against the frozen one, served on ONNX Runtime with the same batches, back to back.
 */
@Command(
        name = "finetune",
        mixinStandardHelpOptions = true,
        description = "Fine-tuning windows (RSS per window), then tuned vs frozen encoder throughput.")
public final class BenchFinetuneCommand implements Callable<Integer> {

    @Option(names = "--train", required = true, description = "labelled JSONL the windows are cut from")
    Path train;

    @Option(
            names = "--encoder",
            defaultValue = Encoders.DEFAULT_ID,
            description = "encoder id (default: ${DEFAULT-VALUE})")
    String encoderId;

    @Option(names = "--mode", defaultValue = "lora", description = "bitfit, lora or full (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--windows", defaultValue = "20", description = "fine-tuning windows (default: ${DEFAULT-VALUE})")
    int windows;

    @Option(
            names = "--window-size",
            defaultValue = "200",
            description = "examples per window (default: ${DEFAULT-VALUE})")
    int windowSize;

    @Option(names = "--epochs", defaultValue = "1", description = "epochs per window (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-length", defaultValue = "64", description = "tokens per text (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(
            names = "--batch",
            defaultValue = "32",
            description = "serving batch for the throughput part (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description =
                    "seconds per throughput measurement; each encoder is measured twice, alternating (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "ONNX Runtime intra-op threads of both encoders, 0: one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        FinetuneMode m = FinetuneMode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        List<LabelledText> all = JsonlExamples.shuffled(JsonlExamples.read(train), 42);
        List<String> labels = JsonlExamples.labelsInOrder(all);
        FinetuneOptions options = FinetuneOptions.defaults(m).withEpochs(epochs).withMaxLength(maxLength);
        FineTuner tuner = new FineTuner();
        TensorPack weights = null;
        HeadWeights head = null;
        ArrayNode perWindow = Json.mapper().createArrayNode();
        out.printf("%-7s %10s %12s %10s%n", "window", "train s", "sentences/s", "RSS MiB");
        for (int w = 0; w < windows; w++) {
            List<LabelledText> window = new ArrayList<>(windowSize);
            for (int i = 0; i < windowSize; i++) {
                window.add(all.get((w * windowSize + i) % all.size()));
            }
            FinetuneResult r = tuner.tune(
                    encoderId,
                    weights,
                    head,
                    labels,
                    EvaluateCommand.labelled(window),
                    options.withSeed(w),
                    Device.CPU,
                    (s, t, l) -> {});
            weights = r.weights();
            head = r.head();
            long rss = rssMb("VmRSS:");
            out.printf("%-7d %10.1f %12.1f %10d%n", w + 1, r.trainSeconds(), r.sentencesPerSecond(), rss);
            ObjectNode o = perWindow.addObject();
            o.put("window", w + 1);
            o.put("trainSeconds", EvaluateCommand.round(r.trainSeconds()));
            o.put("rssMb", rss);
        }
        List<String> sentences = BenchCommand.ReviewSentences.english(2000, 7);
        double[] frozen = new double[2];
        double[] tuned = new double[2];
        try (TextEncoder f = Encoders.open(encoderId, maxLength, threads);
                TextEncoder t = Encoders.open(encoderId, maxLength, threads, weights)) {
            rate(f, sentences, 3); // warm-up of both
            rate(t, sentences, 3);
            for (int round = 0; round < 2; round++) {
                frozen[round] = rate(f, sentences, seconds);
                tuned[round] = rate(t, sentences, seconds);
            }
        }
        out.printf(
                "throughput (batch %d, max length %d): frozen %.1f / %.1f, tuned %.1f / %.1f sentences/s%n",
                batch, maxLength, frozen[0], frozen[1], tuned[0], tuned[1]);
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("bench", "finetune");
        json.put("encoder", encoderId);
        json.put("mode", m.name().toLowerCase(Locale.ROOT));
        json.put("windows", windows);
        json.put("windowSize", windowSize);
        json.put("weightsBytes", weights.encode().length);
        json.put("weightsValues", weights.valueCount());
        json.set("perWindow", perWindow);
        json.put("frozenSentencesPerSecond", EvaluateCommand.round((frozen[0] + frozen[1]) / 2));
        json.put("tunedSentencesPerSecond", EvaluateCommand.round((tuned[0] + tuned[1]) / 2));
        json.put("peakRssMb", rssMb("VmHWM:"));
        out.println(json);
        return 0;
    }

    private double rate(TextEncoder enc, List<String> pool, double secs) {
        long done = 0;
        int cursor = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (secs * 1e9);
        while (System.nanoTime() < deadline) {
            if (cursor + batch > pool.size()) {
                cursor = 0;
            }
            enc.encode(pool.subList(cursor, cursor + batch));
            cursor += batch;
            done += batch;
        }
        return done / ((System.nanoTime() - t0) / 1e9);
    }

    private static long rssMb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
