package io.streamtune.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy with a weight per class, so a rare label costs as much in total as a
 * common one. DJL's built-in loss takes one scalar weight only.
 */
public final class WeightedSoftmaxCrossEntropy extends Loss {

    private final float[] classWeights;

    public WeightedSoftmaxCrossEntropy(float[] classWeights) {
        super("WeightedSoftmaxCrossEntropy");
        this.classWeights = classWeights.clone();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        NDArray y = labels.singletonOrThrow();
        NDArray logp = logits.logSoftmax(1);
        // Weights live in the labels' (per-batch) manager, never in a long-lived one.
        NDArray w = y.getManager().create(classWeights);
        NDArray target = y.oneHot(classWeights.length).mul(w);
        return target.mul(logp).sum(new int[] {1}).neg().mean();
    }
}
