package io.streamtune.cli.images;

import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Option;

/**
 * The options {@code streamtune evaluate} takes for image data only (a picocli mixin). The shared
 * ones ({@code --train --test --labels --seed --split --max-train --epochs --lr --device
 * --class-weights}) stay on the evaluate command.
 */
public final class ImageEvaluateOptions {

    @Option(
            names = "--image-size",
            description = "image data: side of the square CNN input (default: the IDX images'" + " own size, else 28)")
    Integer size;

    @Option(
            names = "--channels",
            description = "image data: 1 (grey) or 3 (RGB) (default: 1 for IDX files, 3 for" + " an ImageFolder)")
    Integer channels;

    @Option(
            names = "--mean",
            split = ",",
            description = "image data: per-channel mean, one value or one per channel" + " (default: 0.5)")
    List<Float> mean;

    @Option(names = "--std", split = ",", description = "image data: per-channel std (default: 0.5)")
    List<Float> std;

    @Option(
            names = "--layers",
            defaultValue = "20",
            description = "image data: ResNetV1 depth (default: ${DEFAULT-VALUE})")
    int layers;

    int batchSize = 64;

    /** Images per step: {@code evaluate --batch-size}, which EvaluateCommand declares for all data (default 64). */
    public void batchSize(int imagesPerStep) {
        batchSize = imagesPerStep;
    }

    @Option(
            names = "--freeze-backbone",
            description = "image data: train only the head on the --pretrained backbone"
                    + " (or, with --windows, on the previous window's)")
    boolean freezeBackbone;

    @Option(
            names = "--pretrained",
            paramLabel = "FILE",
            description = "image data: DJL parameters file of a ResNetV1"
                    + " to start from (e.g. one written by --save-model)")
    Path pretrained;

    @Option(
            names = "--windows",
            defaultValue = "1",
            description = "image data: split the training images into N"
                    + " consecutive windows and train on each starting from the previous one's weights, as the trainer does"
                    + " (default: ${DEFAULT-VALUE})")
    int windows;

    @Option(names = "--max-test", description = "image data: evaluate on at most N test images")
    Integer maxTest;

    @Option(
            names = "--serving-batch",
            defaultValue = "32",
            description = "image data: batch size of the serving pass"
                    + " that scores the test set and measures throughput (default: ${DEFAULT-VALUE})")
    int servingBatch;

    @Option(
            names = "--save-model",
            paramLabel = "DIR",
            description = "image data: write the trained model as DIR/"
                    + "evaluate-0000.params (DJL parameters file, usable as --pretrained or cnn.pretrained)")
    Path saveModel;
}
