package io.streamtune.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code cnn.*} settings of an image task, read into a {@link CnnPolicy}.
 *
 * <pre>{@code
 * tasks:
 *   - name: fashion
 *     modality: image
 *     cnn: {layers: 20, epochs: 3, batchSize: 64, learningRate: 0.002, freezeBackbone: false}
 * }</pre>
 *
 * <p>{@code cnn.pretrained} must be a DJL parameters file (what {@code Model.save} writes:
 * {@code <name>-<epoch>.params}, starting with {@code DJL@}) of a ResNetV1 of the configured depth
 * and input, either the whole classifier or the backbone alone. TorchScript and ONNX exports are
 * refused here, at start: nothing on this project's machines can produce one to test the path.
 */
public final class CnnSettings {

    public static final Setting<Integer> LAYERS = Setting.integer(
            "cnn.layers",
            20,
            8,
            269,
            "ResNetV1 depth: 6n+2 (8, 14, 20, 32, 44, 56, 110) for images of 28 pixels or fewer;"
                    + " 18, 34, 50, ... above");
    public static final Setting<Integer> EPOCHS =
            Setting.integer("cnn.epochs", 3, 1, 1_000, "passes over the training window per training");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer(
            "cnn.batchSize", 64, 2, 4_096, "images per optimiser step (at least 2: BatchNorm needs a batch)");
    public static final Setting<Double> LEARNING_RATE = Setting.decimal(
            "cnn.learningRate",
            0.002,
            1e-7,
            1.0,
            "Adam learning rate at the start of each training, decayed to 0 along a cosine");
    public static final Setting<Boolean> FREEZE_BACKBONE = Setting.bool(
            "cnn.freezeBackbone",
            false,
            "train only the head on the champion's (or the pretrained) backbone;"
                    + " the first version from scratch trains all");
    public static final Setting<String> PRETRAINED = Setting.string(
            "cnn.pretrained",
            null,
            "DJL parameters file (Model.save's <name>-<epoch>.params) of a ResNetV1 to start the first version from");
    public static final Setting<Integer> SEED = Setting.integer(
            "cnn.seed", 42, 0, Integer.MAX_VALUE, "seed of the initial weights and batch order (deterministic on CPU)");
    public static final Setting<Device> DEVICE = Setting.enumeration(
            "cnn.device",
            Device.class,
            Device.AUTO,
            "where the CNN trains: auto picks the GPU when PyTorch sees one (GPU untested)");

    /** Every CNN setting, for docs. */
    public static final List<Setting<?>> ALL =
            List.of(LAYERS, EPOCHS, BATCH_SIZE, LEARNING_RATE, FREEZE_BACKBONE, PRETRAINED, SEED, DEVICE);

    private static final byte[] DJL_MAGIC = {'D', 'J', 'L', '@'};
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private CnnSettings() {}

    /** Every setting at its default (what a task that sets none of them gets). */
    public static CnnPolicy defaults() {
        return read(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "", new ArrayList<>());
    }

    /**
     * Reads the CNN settings of one task entry; checks {@code cnn.layers} against
     * {@code image.size} and that {@code cnn.pretrained} is a readable DJL parameters file.
     *
     * @param task     the task's node
     * @param where    the task's name in messages, e.g. {@code tasks[2] (fashion)}
     * @param problems receives one line per wrong setting, naming its key
     */
    public static CnnPolicy read(JsonNode task, String where, List<String> problems) {
        int layers = LAYERS.read(task, where, problems);
        int size = ImageSettings.readQuietly(task).spec().size();
        String architecture = depthProblem(layers, size);
        if (architecture != null) {
            problems.add(where + "." + LAYERS.key() + ": " + architecture + " (" + ImageSettings.SIZE.key() + " is "
                    + size + ")");
        }
        String pretrained = PRETRAINED.read(task, where, problems);
        Path file = null;
        if (pretrained != null) {
            file = Path.of(pretrained);
            String problem = pretrainedProblem(file);
            if (problem != null) {
                problems.add(where + "." + PRETRAINED.key() + ": " + problem);
            }
        }
        return new CnnPolicy(
                layers,
                EPOCHS.read(task, where, problems),
                BATCH_SIZE.read(task, where, problems),
                LEARNING_RATE.read(task, where, problems),
                FREEZE_BACKBONE.read(task, where, problems),
                file,
                SEED.read(task, where, problems),
                DEVICE.read(task, where, problems));
    }

    /** Depths DJL's ResNetV1 builds for images over 28 pixels (its bottleneck and basic-block tables). */
    private static final java.util.Set<Integer> LARGE_DEPTHS = java.util.Set.of(18, 34, 50, 101, 152, 200, 269);

    /**
     * Why {@code layers} does not build for images of {@code size} pixels, or null when it does: the
     * depth rules of DJL's model-zoo {@code ResNetV1} builder ({@code CnnArchitecture} builds it), here
     * so that configuration reports a wrong {@code cnn.layers} at start without depending on the model.
     */
    public static String depthProblem(int layers, int size) {
        if (size <= 28) {
            boolean basic = layers >= 8 && layers < 164 && (layers - 2) % 6 == 0;
            boolean bottleneck = layers >= 164 && (layers - 2) % 9 == 0;
            return basic || bottleneck
                    ? null
                    : "ResNetV1 for images of " + size
                            + " pixels (28 or fewer) takes 6n + 2 layers below 164 (8, 14, 20, 32, 44, 56, 110) or 9n + 2"
                            + " from 164, got " + layers;
        }
        return LARGE_DEPTHS.contains(layers)
                ? null
                : "ResNetV1 for images over 28 pixels takes 18, 34, 50, 101, 152," + " 200 or 269 layers, got "
                        + layers;
    }

    /** Why {@code file} cannot be a pretrained backbone, or null when it looks like a DJL parameters file. */
    public static String pretrainedProblem(Path file) {
        String name =
                file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return file + " is an ONNX export; ONNX backbones are not supported (they could not be tested here),"
                    + " give a DJL parameters file (<name>-<epoch>.params written by Model.save)";
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return file.toAbsolutePath() + " does not exist or cannot be read";
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            return file + " cannot be read: " + e.getMessage();
        }
        if (n == 4 && Arrays.equals(head, DJL_MAGIC)) {
            return null;
        }
        if ((n == 4 && Arrays.equals(head, ZIP_MAGIC)) || name.endsWith(".pt") || name.endsWith(".pth")) {
            return file + " is a TorchScript (or torch.save) archive; TorchScript backbones are not supported (they"
                    + " could not be tested here), give a DJL parameters file (<name>-<epoch>.params written by"
                    + " Model.save)";
        }
        return file + " is not a DJL parameters file (Model.save writes <name>-<epoch>.params starting with DJL@)";
    }
}
