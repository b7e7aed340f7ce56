package io.streamtune.trainer.training.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording and back-propagation on the PyTorch engine, per thread.
 *
 * <p>Why not DJL's {@code GradientCollector}: the PyTorch implementation allows one collector per JVM at a time
 * (a static flag), so a fine-tuning challenger could not train while the trainer's head-only path trains. PyTorch's
 * own grad mode is thread-local, which is what a second training thread needs; these calls use it directly.
 */
final class Autograd {

    private Autograd() {}

    /**
     * Turns gradient recording on or off for the calling thread.
     *
     * @return the previous setting, to restore
     */
    static boolean record(boolean enabled) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return previous;
    }

    /** Back-propagates a scalar; gradients accumulate into the arrays that require them. */
    static void backward(NDArray scalar) {
        NDArray seed = scalar.onesLike();
        JniUtils.backward((PtNDArray) scalar, (PtNDArray) seed, false, false);
    }

    /** Sets an array's accumulated gradient to zero (a skipped step). */
    static void zeroGradient(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
