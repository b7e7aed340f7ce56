package io.streamtune.common.model;

import java.util.Base64;

import io.streamtune.common.event.Event;
import io.streamtune.common.event.Example;

/**
 * What a downstream model classifies: the content of one example or event, as its backbone consumes
 * it. Text backbones take {@link Text}; image backbones take {@link Image}.
 *
 * <pre>{@code
 * List<ModelInput> batch = events.stream().map(ModelInput::of).toList();
 * classifier.classify(batch);
 * }</pre>
 */
public sealed interface ModelInput permits ModelInput.Text, ModelInput.Image {

    /** A text, as the record carried it (the backbone lower-cases or truncates as its tokenizer requires). */
    record Text(String text) implements ModelInput {
        public Text {
            if (text == null) {
                throw new IllegalArgumentException("text is required");
            }
        }
    }

    /**
     * An encoded picture (PNG, JPEG, ...), decoded and resized by the image backbone's preprocessing.
     *
     * @param encoded the file bytes (not base64); not copied
     */
    record Image(byte[] encoded) implements ModelInput {
        public Image {
            if (encoded == null) {
                throw new IllegalArgumentException("image bytes are required");
            }
        }
    }

    /** Texts as inputs, in order. */
    static java.util.List<ModelInput> texts(java.util.List<String> texts) {
        return texts.stream().<ModelInput>map(Text::new).toList();
    }

    /** The input of an event: its text, or its image (base64 in the record, decoded here). */
    static ModelInput of(Event event) {
        return of(event.text(), event.image());
    }

    /** The input of an example: its text, or its image. */
    static ModelInput of(Example example) {
        return of(example.text(), example.image());
    }

    /**
     * The input of a validated record: {@code text} when present, else the base64 {@code image}.
     *
     * @throws IllegalArgumentException when neither is present or the image is not base64 (a parser
     *     lets neither through)
     */
    static ModelInput of(String text, String imageBase64) {
        if (text != null) {
            return new Text(text);
        }
        if (imageBase64 != null) {
            return new Image(Base64.getMimeDecoder().decode(imageBase64));
        }
        throw new IllegalArgumentException("the record has neither text nor image");
    }
}
