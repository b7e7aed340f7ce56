package io.streamtune.common.config;

/** The trainable head of a task: {@code linear} or {@code mlp} (one hidden ReLU layer), and its optimiser settings. */
public record HeadPolicy(String kind, int hiddenUnits, int maxEpochs, int batchSize, double learningRate, int patience,
                         long seed, String device) {
}
