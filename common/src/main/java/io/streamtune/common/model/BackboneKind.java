package io.streamtune.common.model;

import java.util.Locale;

/**
 * What kind of backbone a model version stands on, and so which {@link ModelInput} it takes.
 *
 * <ul>
 *   <li>{@link #TEXT_ENCODER}: a pretrained sentence encoder run on ONNX Runtime (frozen, or with
 *       fine-tuned weights laid over its own); takes {@link ModelInput.Text}.</li>
 *   <li>{@link #IMAGE_CNN}: a ResNet-style convolutional network run on PyTorch; takes
 *       {@link ModelInput.Image}.</li>
 * </ul>
 */
public enum BackboneKind {
    TEXT_ENCODER,
    IMAGE_CNN;

    /** The name in artifacts: {@code text-encoder}, {@code image-cnn}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The kind of a wire name.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static BackboneKind fromWireName(String name) {
        for (BackboneKind k : values()) {
            if (k.wireName().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown backbone kind '" + name + "' (known: text-encoder, image-cnn)");
    }
}
