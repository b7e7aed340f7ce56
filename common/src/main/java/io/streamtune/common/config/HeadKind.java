package io.streamtune.common.config;

import java.util.Locale;

/**
 * The shape of a classification head ({@code head.kind}): {@link #LINEAR} (logits = x W + b) or
 * {@link #MLP} (one hidden ReLU layer of {@code head.hiddenUnits}).
 */
public enum HeadKind {
    LINEAR,
    MLP;

    /** The name in artifacts and configuration: {@code linear}, {@code mlp}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind of a wire name.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static HeadKind fromWireName(String name) {
        for (HeadKind k : values()) {
            if (k.wireName().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("head kind must be linear or mlp, got " + name);
    }
}
