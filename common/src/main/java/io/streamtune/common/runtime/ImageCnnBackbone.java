package io.streamtune.common.runtime;

import java.util.List;

import io.streamtune.common.event.Reason;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.CnnBackbone;
import io.streamtune.common.model.ModelInput;

/**
 * A trained CNN as a backbone: each {@link ModelInput.Image} is decoded, converted and resized as the
 * pack's input attributes say ({@link ImagePreprocessor} with the pack's {@code ImageSpec}), then the
 * whole batch goes through the network in one forward call ({@link CnnBackbone#features}).
 *
 * <p>Decoding runs on the caller's thread (the scorer's encoder workers, the trainer's loop), never on
 * a stream thread. An image that does not decode is rejected with {@link Reason#IMAGE_UNDECODABLE} and
 * the decoder's message; the batch's other images are unaffected (the caller scores them without it).
 */
final class ImageCnnBackbone implements Backbone {
    private final BackboneRef.Key key;
    private final CnnBackbone cnn;
    private final ImagePreprocessor preprocessor;

    /**
     * @param maxPixels the decompression-bomb guard: images whose header declares more pixels are rejected
     */
    ImageCnnBackbone(BackboneRef.Key key, CnnBackbone cnn, long maxPixels) {
        this.key = key;
        this.cnn = cnn;
        this.preprocessor = new ImagePreprocessor(cnn.architecture().input(), maxPixels);
    }

    @Override
    public BackboneRef.Key key() {
        return key;
    }

    @Override
    public int dimension() {
        return cnn.featureDimension();
    }

    @Override
    public float[][] features(List<ModelInput> inputs) {
        float[][] tensors = new float[inputs.size()][];
        for (int i = 0; i < tensors.length; i++) {
            if (!(inputs.get(i) instanceof ModelInput.Image image)) {
                throw new InputRejectedException(
                        i, Reason.SCORING_FAILED, "image backbone " + key.id() + " was given a text", null);
            }
            try {
                tensors[i] = preprocessor.tensor(image.encoded());
            } catch (ImageException e) {
                throw new InputRejectedException(i, Reason.IMAGE_UNDECODABLE, e.getMessage(), e);
            }
        }
        return cnn.features(tensors);
    }

    CnnBackbone cnn() {
        return cnn;
    }

    @Override
    public String toString() {
        return "ImageCnnBackbone[" + key + "]";
    }
}
