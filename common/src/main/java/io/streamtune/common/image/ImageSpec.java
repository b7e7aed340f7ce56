package io.streamtune.common.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * What a CNN backbone takes as input: a square image of {@code size} x {@code size} pixels with
 * {@code channels} channels (1: grey, 3: RGB), normalised per channel as
 * {@code (value / 255 - mean[c]) / std[c]}.
 *
 * <p>Tensors are laid out {@code [channels, size, size]}, row-major (channel, then row, then
 * column), the layout of DJL's and PyTorch's {@code NCHW} convolutions without the batch axis.
 *
 * <pre>{@code
 * ImageSpec fashion = new ImageSpec(28, 1, new float[] {0.5f}, new float[] {0.5f});
 * float[] x = fashion.normalise(pixels);      // pixels: uint8 [1, 28, 28] from ImagePreprocessor
 * }</pre>
 *
 * @param size   side of the square input in pixels, 1 to 4096
 * @param channels 1 (grey) or 3 (RGB)
 * @param mean   per-channel mean in [0, 1] units, {@code channels} values (one value is repeated)
 * @param std    per-channel standard deviation in [0, 1] units, each &gt; 0, as {@code mean}
 */
public record ImageSpec(int size, int channels, float[] mean, float[] std) {

    /** Largest side accepted: a bigger CNN input would not fit a training batch on a CPU anyway. */
    public static final int MAX_SIZE = 4096;

    public ImageSpec {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("image size must be between 1 and " + MAX_SIZE + ", got " + size);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("image channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        mean = perChannel("mean", mean, channels);
        std = perChannel("std", std, channels);
        for (float s : std) {
            if (!(s > 0) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("image std values must be > 0, got " + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("image mean values must be finite, got " + Arrays.toString(mean));
            }
        }
    }

    /** {@code size} x {@code size}, {@code channels} channels, mean 0.5 and std 0.5 (values in [-1, 1]). */
    public static ImageSpec of(int size, int channels) {
        return new ImageSpec(size, channels, new float[] {0.5f}, new float[] {0.5f});
    }

    private static float[] perChannel(String what, float[] values, int channels) {
        if (values == null || (values.length != 1 && values.length != channels)) {
            throw new IllegalArgumentException("image " + what + " needs 1 or " + channels + " values, got "
                    + (values == null ? "none" : values.length));
        }
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = values.length == 1 ? values[0] : values[c];
        }
        return out;
    }

    /** Per-channel mean (a copy), {@code channels} values. */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** Per-channel standard deviation (a copy), {@code channels} values. */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** Values in one image tensor: channels x size x size. */
    public int elements() {
        return channels * size * size;
    }

    /** The tensor shape {@code [channels, size, size]}. */
    public int[] shape() {
        return new int[] {channels, size, size};
    }

    /**
     * Normalises uint8 pixels ({@code [channels, size, size]}, as {@link ImagePreprocessor#pixels}
     * gives them) into the float tensor the backbone takes. Training and serving both call this,
     * so the two cannot drift apart.
     *
     * @throws IllegalArgumentException when {@code pixels} does not hold {@link #elements()} values
     */
    public float[] normalise(byte[] pixels) {
        if (pixels.length != elements()) {
            throw new IllegalArgumentException(
                    "expected " + elements() + " pixel values for " + this + ", got " + pixels.length);
        }
        float[] out = new float[pixels.length];
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            // (v / 255 - mean) / std, written as one multiply-add per value.
            float scale = 1f / (255f * std[c]);
            float shift = -mean[c] / std[c];
            int base = c * plane;
            for (int i = base; i < base + plane; i++) {
                out[i] = (pixels[i] & 0xff) * scale + shift;
            }
        }
        return out;
    }

    /** The normalisation as text, e.g. {@code 0.5,0.5,0.5}: stable, for artifact attributes. */
    public static String join(float[] values) {
        StringJoiner j = new StringJoiner(",");
        for (float v : values) {
            j.add(Float.toString(v));
        }
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSpec s
                && s.size == size
                && s.channels == channels
                && Arrays.equals(s.mean, mean)
                && Arrays.equals(s.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * size + channels) + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "ImageSpec[%dx%dx%d, mean %s, std %s]", channels, size, size, join(mean), join(std));
    }
}
