package io.streamtune.trainer.training.finetune;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * AdamW (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization", Algorithm 2) with global-norm
 * gradient clipping, updating parameters in place through the PyTorch engine's fused Adam kernel
 * ({@code NDArrayEx.adamUpdate} with {@code adamw = true}: {@code p -= lr * wd * p}, then the Adam step with bias
 * correction folded into the learning rate and epsilon added to {@code sqrt(v)}, Kingma and Ba's efficient form).
 * The kernel also zeroes each gradient after use.
 */
final class AdamW {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;

    private int step;

    /** Steps taken (those skipped for non-finite gradients not counted). */
    int steps() {
        return step;
    }

    /**
     * One update of every parameter from its accumulated gradient.
     *
     * @param bm the batch's manager: gradients fetched here are attached to it
     * @param encoderLr learning rate of encoder parameters at this step
     * @param headLr learning rate of head parameters at this step
     * @param weightDecay decoupled decay of parameters that decay
     * @param maxNorm clip the global L2 norm of the (unscaled) gradients to this
     * @param lossScale the factor the loss was multiplied by (1 without mixed precision)
     * @return the global gradient norm before clipping, or NaN when a gradient was not finite and the step was
     *     skipped (gradients are zeroed then)
     */
    double update(
            NDManager bm,
            List<TrainableBert.Param> params,
            double encoderLr,
            double headLr,
            double weightDecay,
            double maxNorm,
            double lossScale) {
        List<NDArray> grads = new ArrayList<>(params.size());
        NDArray sumSquares = null;
        for (TrainableBert.Param p : params) {
            NDArray g = p.value().getGradient();
            g.attach(bm); // a new handle in the parameter's manager otherwise: one leaked array per parameter and step
            grads.add(g);
            NDArray s = g.square().sum();
            sumSquares = sumSquares == null ? s : sumSquares.add(s);
        }
        double norm = sumSquares == null ? 0 : Math.sqrt(sumSquares.getFloat()) / lossScale;
        if (!Double.isFinite(norm)) {
            for (TrainableBert.Param p : params) {
                Autograd.zeroGradient(p.value());
            }
            return Double.NaN;
        }
        step++;
        double clip = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1.0;
        float rescale = (float) (clip / lossScale);
        double correction = Math.sqrt(1 - Math.pow(BETA2, step)) / (1 - Math.pow(BETA1, step));
        for (int i = 0; i < params.size(); i++) {
            TrainableBert.Param p = params.get(i);
            double lr = p.head() ? headLr : encoderLr;
            p.value()
                    .getNDArrayInternal()
                    .adamUpdate(
                            new NDList(p.value(), grads.get(i), p.m(), p.v()),
                            new NDList(p.value()),
                            (float) lr,
                            (float) (lr * correction),
                            p.decay() ? (float) weightDecay : 0f,
                            rescale,
                            -1f,
                            BETA1,
                            BETA2,
                            EPSILON,
                            false,
                            true);
        }
        return norm;
    }
}
