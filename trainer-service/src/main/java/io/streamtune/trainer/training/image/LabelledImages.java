package io.streamtune.trainer.training.image;

import java.util.List;

import io.streamtune.common.image.ImageSpec;

/**
 * A training set of images, kept as uint8 pixels (a quarter of the memory of floats) and
 * normalised batch by batch with {@link ImageSpec#normalise}, the function serving uses too.
 *
 * @param spec   what every image is: {@code pixels.get(i)} holds {@code spec.elements()} values
 *               {@code [channels, size, size]}, as {@code ImagePreprocessor.pixels} gives them
 * @param pixels one array per image
 * @param labels label index per image, in {@code [0, numLabels)}
 */
public record LabelledImages(ImageSpec spec, List<byte[]> pixels, int[] labels) {

    public LabelledImages {
        pixels = List.copyOf(pixels);
        labels = labels.clone();
        if (pixels.size() != labels.length) {
            throw new IllegalArgumentException(pixels.size() + " images but " + labels.length + " labels");
        }
        for (int i = 0; i < pixels.size(); i++) {
            if (pixels.get(i).length != spec.elements()) {
                throw new IllegalArgumentException("image " + i + " has " + pixels.get(i).length + " values, " + spec
                        + " needs " + spec.elements());
            }
        }
    }

    public int size() {
        return labels.length;
    }

    /** Images {@code [from, to)}: a window of a longer stream. */
    public LabelledImages slice(int from, int to) {
        return new LabelledImages(spec, pixels.subList(from, to), java.util.Arrays.copyOfRange(labels, from, to));
    }

    /** Normalised tensors of images {@code [from, to)}, {@code [to - from][spec.elements()]}. */
    public float[][] tensors(int from, int to) {
        float[][] out = new float[to - from][];
        for (int i = from; i < to; i++) {
            out[i - from] = spec.normalise(pixels.get(i));
        }
        return out;
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    int label(int i) {
        return labels[i];
    }
}
