package io.streamtune.common.config;

/**
 * The trainable head of a task: {@code linear} or {@code mlp} (one hidden ReLU layer), its
 * optimiser settings, and {@code classWeights}: {@code balanced} (inverse label frequency, favours
 * macro-F1 and rare labels) or {@code none} (favours accuracy when serving sees the training mix).
 */
public record HeadPolicy(String kind, int hiddenUnits, int maxEpochs, int batchSize, double learningRate, int patience,
                         long seed, String device, String classWeights) {
}
