package io.streamtune.common.config;

/** How a head's loss weighs labels of different frequency ({@code head.classWeights}). */
public enum ClassWeighting {
    /**
     * Inverse frequency, n / (k * count): every label contributes equally in total. Favours
     * recall on rare labels and macro F1; the default.
     */
    BALANCED,
    /** All examples weigh 1: favours accuracy when the label mix of serving matches training. */
    NONE
}
