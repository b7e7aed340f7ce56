package io.streamtune.common.config;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.image.ImageSpec;

/**
 * The {@code image.*} settings of an image task, read into an {@link ImagePolicy}.
 *
 * <pre>{@code
 * tasks:
 *   - name: fashion
 *     modality: image
 *     labels: [t-shirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, boot]
 *     image: {size: 28, channels: 1, mean: [0.286], std: [0.353]}
 * }</pre>
 *
 * <p>The defaults (0.5 and 0.5) map pixel values to [-1, 1]; a data set's own mean and std
 * (Fashion-MNIST: 0.286 and 0.353, computed over its training images) centre the inputs exactly.
 */
public final class ImageSettings {

    public static final Setting<Integer> SIZE = Setting.integer(
            "image.size",
            28,
            8,
            1024,
            "side in pixels of the square CNN input: images are centre-cropped to a square and resized to it");
    public static final Setting<Integer> CHANNELS = Setting.integer(
            "image.channels",
            3,
            1,
            3,
            "1 (grey; colour images converted with the BT.601 luma weights) or 3 (RGB; grey images copied)");
    public static final Setting<List<Double>> MEAN = Setting.decimals(
            "image.mean",
            List.of(0.5),
            -10,
            10,
            1,
            3,
            "per-channel mean subtracted after scaling pixels to [0, 1]: one value for all channels"
                    + " or one per channel");
    public static final Setting<List<Double>> STD = Setting.decimals(
            "image.std",
            List.of(0.5),
            1e-6,
            100,
            1,
            3,
            "per-channel standard deviation divided by after subtracting the mean: one value or one per channel");
    public static final Setting<Integer> MAX_PIXELS = Setting.integer(
            "image.maxPixels",
            (int) ImagePreprocessor.DEFAULT_MAX_PIXELS,
            1,
            Integer.MAX_VALUE,
            "images whose header declares more pixels (width x height) are rejected before decoding"
                    + " (decompression bombs)");

    /** Every image setting, for docs. */
    public static final List<Setting<?>> ALL = List.of(SIZE, CHANNELS, MEAN, STD, MAX_PIXELS);

    private ImageSettings() {}

    /** Every setting at its default (what a task that sets none of them gets). */
    public static ImagePolicy defaults() {
        return read(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "", new ArrayList<>());
    }

    /**
     * Reads the image settings of one task entry.
     *
     * @param task     the task's node ({@code image.size} etc. are read below it)
     * @param where    the task's name in messages, e.g. {@code tasks[2] (fashion)}
     * @param problems receives one line per wrong setting, naming its key
     * @return the policy; with problems recorded, defaults stand in for the wrong values
     */
    public static ImagePolicy read(JsonNode task, String where, List<String> problems) {
        int size = SIZE.read(task, where, problems);
        int channels = CHANNELS.read(task, where, problems);
        if (channels == 2) {
            problems.add(where + "." + CHANNELS.key() + ": 2 is not a channel count, must be 1 (grey) or 3 (RGB)");
            channels = CHANNELS.defaultValue();
        }
        float[] mean = perChannel(MEAN, MEAN.read(task, where, problems), channels, where, problems);
        float[] std = perChannel(STD, STD.read(task, where, problems), channels, where, problems);
        long maxPixels = MAX_PIXELS.read(task, where, problems);
        return new ImagePolicy(new ImageSpec(size, channels, mean, std), maxPixels);
    }

    private static float[] perChannel(
            Setting<List<Double>> setting, List<Double> values, int channels, String where, List<String> problems) {
        if (values.size() != 1 && values.size() != channels) {
            problems.add(where + "." + setting.key() + ": " + values + " has " + values.size()
                    + " values, give one or one per channel (" + CHANNELS.key() + " is " + channels + ")");
            values = setting.defaultValue();
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    /** Problems of {@link #read} discarded: for a second reader of the same node (e.g. {@link CnnSettings}). */
    static ImagePolicy readQuietly(JsonNode task) {
        return read(task, "", new ArrayList<>());
    }
}
