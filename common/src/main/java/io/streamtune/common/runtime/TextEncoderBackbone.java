package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.List;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.nlp.TextEncoder;

/** A text encoder as a backbone: features are its pooled, L2-normalised sentence embeddings. */
final class TextEncoderBackbone implements Backbone {
    private final BackboneRef.Key key;
    private final TextEncoder encoder;

    TextEncoderBackbone(BackboneRef.Key key, TextEncoder encoder) {
        this.key = key;
        this.encoder = encoder;
    }

    @Override
    public BackboneRef.Key key() {
        return key;
    }

    @Override
    public int dimension() {
        return encoder.dimension();
    }

    @Override
    public float[][] features(List<ModelInput> inputs) {
        List<String> texts = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            if (!(inputs.get(i) instanceof ModelInput.Text t)) {
                throw new InputRejectedException(
                        i, Reason.SCORING_FAILED, "text encoder " + key.id() + " was given an image", null);
            }
            texts.add(t.text());
        }
        return encoder.encode(texts);
    }

    TextEncoder encoder() {
        return encoder;
    }

    @Override
    public String toString() {
        return "TextEncoderBackbone[" + key + "]";
    }
}
