package io.streamtune.trainer.training.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.streamtune.common.image.GeneratedShapes;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.image.ImageSpec;

/**
 * {@link GeneratedShapes}' pictures as a training set: written as PNG and read back through
 * {@link ImagePreprocessor} exactly as records would be.
 */
final class ShapeImages {

    private ShapeImages() {}

    /** {@code n} images, labels cycling through the three shapes, decoded for {@code spec}. */
    static LabelledImages make(ImageSpec spec, int n, long seed) {
        Random r = new Random(seed);
        ImagePreprocessor pre = new ImagePreprocessor(spec, 10_000);
        List<byte[]> pixels = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % GeneratedShapes.LABELS.size();
            try {
                pixels.add(pre.pixels(GeneratedShapes.png(GeneratedShapes.draw(labels[i], r))));
            } catch (ImageException e) {
                throw new IllegalStateException(e);
            }
        }
        return new LabelledImages(spec, pixels, labels);
    }
}
