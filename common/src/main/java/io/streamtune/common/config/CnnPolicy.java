package io.streamtune.common.config;

import java.nio.file.Path;

/**
 * How an image task's CNN trains (the {@code cnn.*} settings). The first version trains from
 * scratch (or from {@code pretrained}); every later one starts from the champion's weights.
 *
 * @param layers         ResNetV1 depth (see {@code common.model.CnnArchitecture} for the allowed values)
 * @param epochs         passes over the training window per training
 * @param batchSize      images per optimiser step
 * @param learningRate   Adam learning rate at the start of a training (cosine decay to 0 over it)
 * @param freezeBackbone train only the head on the backbone's features, once there is a backbone to keep
 * @param pretrained     a DJL parameters file to start the first version from, or null
 * @param seed           seed of the initial weights and the batch order (training is deterministic on CPU)
 * @param device         where training runs
 */
public record CnnPolicy(
        int layers,
        int epochs,
        int batchSize,
        double learningRate,
        boolean freezeBackbone,
        Path pretrained,
        long seed,
        Device device) {}
