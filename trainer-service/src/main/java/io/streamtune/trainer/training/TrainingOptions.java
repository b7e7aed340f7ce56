package io.streamtune.trainer.training;

/**
 * Hyper-parameters of head training.
 *
 * @param head {@code linear} or {@code mlp}
 * @param hiddenUnits width of the MLP's hidden layer (ignored for linear)
 * @param maxEpochs upper bound on passes over the training part
 * @param batchSize mini-batch size
 * @param learningRate Adam learning rate
 * @param validationFraction share of the examples held out (seeded) for early stopping; 0
 *     trains all epochs and keeps the last weights
 * @param patience epochs without validation improvement before stopping
 * @param seed seed for the split, the shuffles and the initial weights
 * @param device {@code auto} (GPU when PyTorch sees one), {@code cpu} or {@code gpu}
 */
public record TrainingOptions(
    String head,
    int hiddenUnits,
    int maxEpochs,
    int batchSize,
    double learningRate,
    double validationFraction,
    int patience,
    long seed,
    String device) {

  public TrainingOptions {
    if (!"linear".equals(head) && !"mlp".equals(head)) {
      throw new IllegalArgumentException("head must be linear or mlp, got " + head);
    }
    if (hiddenUnits < 1 || maxEpochs < 1 || batchSize < 1 || patience < 1) {
      throw new IllegalArgumentException(
          "hiddenUnits, maxEpochs, batchSize and patience must be >= 1");
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (validationFraction < 0 || validationFraction >= 1) {
      throw new IllegalArgumentException(
          "validationFraction must be in [0, 1), got " + validationFraction);
    }
    if (!"auto".equals(device) && !"cpu".equals(device) && !"gpu".equals(device)) {
      throw new IllegalArgumentException("device must be auto, cpu or gpu, got " + device);
    }
  }

  /**
   * Linear head (256 hidden units if switched to mlp), up to 60 epochs, batch 64, Adam 3e-3,
   * 10% validation, patience 5, seed 42, device auto. Heads on frozen, normalised embeddings
   * converge in tens of epochs at this rate; see docs/BENCHMARKS.md for measured results.
   */
  public static TrainingOptions defaults() {
    return new TrainingOptions("linear", 256, 60, 64, 3e-3, 0.1, 5, 42L, "auto");
  }

  public TrainingOptions withHead(String newHead) {
    return new TrainingOptions(
        newHead, hiddenUnits, maxEpochs, batchSize, learningRate, validationFraction, patience,
        seed, device);
  }

  public TrainingOptions withSeed(long newSeed) {
    return new TrainingOptions(
        head, hiddenUnits, maxEpochs, batchSize, learningRate, validationFraction, patience,
        newSeed, device);
  }

  public TrainingOptions withDevice(String newDevice) {
    return new TrainingOptions(
        head, hiddenUnits, maxEpochs, batchSize, learningRate, validationFraction, patience, seed,
        newDevice);
  }

  public TrainingOptions withMaxEpochs(int epochs) {
    return new TrainingOptions(
        head, hiddenUnits, epochs, batchSize, learningRate, validationFraction, patience, seed,
        device);
  }

  public TrainingOptions withLearningRate(double lr) {
    return new TrainingOptions(
        head, hiddenUnits, maxEpochs, batchSize, lr, validationFraction, patience, seed, device);
  }
}
