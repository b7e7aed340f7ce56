package io.streamtune.trainer.training;

/** How the loss weighs labels of different frequency. */
public enum ClassWeighting {
  /**
   * Inverse frequency, n / (k * count): every label contributes equally in total. Favours
   * recall on rare labels and macro F1; the default.
   */
  BALANCED,
  /** All examples weigh 1: favours accuracy when the label mix of serving matches training. */
  NONE
}
