package io.streamtune.common.config;

/**
 * How a task's classification head is trained: its shape, optimiser settings, class weighting and
 * device. One record for the trainer service and {@code evaluate}.
 *
 * @param kind linear or one hidden ReLU layer
 * @param hiddenUnits width of the MLP's hidden layer (ignored for linear), at least 1
 * @param maxEpochs upper bound on passes over the training part, at least 1
 * @param batchSize mini-batch size, at least 1
 * @param learningRate Adam learning rate, above 0
 * @param patience epochs without validation improvement before stopping, at least 1
 * @param seed seed for the validation split, the shuffles and the initial weights
 * @param device where the head trains ({@link Device#AUTO}: the GPU when PyTorch sees one)
 * @param classWeights {@link ClassWeighting#BALANCED} (macro-F1, rare labels) or {@link ClassWeighting#NONE} (accuracy)
 */
public record HeadPolicy(
        HeadKind kind,
        int hiddenUnits,
        int maxEpochs,
        int batchSize,
        double learningRate,
        int patience,
        long seed,
        Device device,
        ClassWeighting classWeights) {

    public HeadPolicy {
        if (kind == null || device == null || classWeights == null) {
            throw new IllegalArgumentException("head kind, device and class weights are required");
        }
        if (hiddenUnits < 1 || maxEpochs < 1 || batchSize < 1 || patience < 1) {
            throw new IllegalArgumentException("hiddenUnits, maxEpochs, batchSize and patience must be >= 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
    }

    /**
     * Linear head (256 hidden units if switched to mlp), up to 60 epochs, batch 64, Adam 3e-3,
     * patience 5, seed 42, device auto, balanced class weights: heads on frozen, normalised
     * embeddings converge in tens of epochs at this rate (docs/BENCHMARKS.md).
     */
    public static HeadPolicy defaults() {
        return new HeadPolicy(HeadKind.LINEAR, 256, 60, 64, 3e-3, 5, 42L, Device.AUTO, ClassWeighting.BALANCED);
    }

    public HeadPolicy withKind(HeadKind k) {
        return new HeadPolicy(k, hiddenUnits, maxEpochs, batchSize, learningRate, patience, seed, device, classWeights);
    }

    public HeadPolicy withHiddenUnits(int n) {
        return new HeadPolicy(kind, n, maxEpochs, batchSize, learningRate, patience, seed, device, classWeights);
    }

    public HeadPolicy withMaxEpochs(int n) {
        return new HeadPolicy(kind, hiddenUnits, n, batchSize, learningRate, patience, seed, device, classWeights);
    }

    public HeadPolicy withLearningRate(double lr) {
        return new HeadPolicy(kind, hiddenUnits, maxEpochs, batchSize, lr, patience, seed, device, classWeights);
    }

    public HeadPolicy withSeed(long s) {
        return new HeadPolicy(kind, hiddenUnits, maxEpochs, batchSize, learningRate, patience, s, device, classWeights);
    }

    public HeadPolicy withDevice(Device d) {
        return new HeadPolicy(kind, hiddenUnits, maxEpochs, batchSize, learningRate, patience, seed, d, classWeights);
    }

    public HeadPolicy withClassWeights(ClassWeighting w) {
        return new HeadPolicy(kind, hiddenUnits, maxEpochs, batchSize, learningRate, patience, seed, device, w);
    }
}
