package io.streamtune.trainer.training.finetune;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.model.TensorPack;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixed-precision code (float16 products, loss scaling) run on the CPU, where PyTorch has float16 kernels: the
 * GPU path cannot run on any machine here, so this is the test it gets.
 */
class MixedPrecisionTest {

    @Test
    void shouldTrainWithFloat16ProductsAndStayCloseToTheServedFloat32Model() throws Exception {
        FineTuner tuner = new FineTuner();
        tuner.halfOnCpu = true;
        FineTuner.Probed probed;
        try {
            probed = tuner.run(
                    FineTunerTest.ENCODER,
                    null,
                    null,
                    FineTunerTest.LABELS,
                    FineTunerTest.examples(8),
                    FineTunerTest.options(FinetuneMode.LORA),
                    Device.CPU,
                    FinetuneListener.NONE,
                    FineTunerTest.PROBE);
        } catch (RuntimeException e) {
            Assumptions.abort("this PyTorch build has no float16 CPU kernels: " + e.getMessage());
            return;
        }
        assertTrue(probed.result().mixedPrecision());
        assertTrue(probed.result().steps() >= 1, "every step skipped for non-finite gradients");
        assertTrue(Double.isFinite(probed.result().lastLoss()));
        for (TensorPack.Tensor t : probed.result().weights().tensors().values()) {
            for (float v : t.values()) {
                assertTrue(Float.isFinite(v));
            }
        }
        float[][] served = FineTunerTest.served(probed.result(), true, FineTunerTest.PROBE);
        // float16 products round to about 3 decimal digits: close, not equal.
        double diff = FineTunerTest.maxAbsDiff(served, probed.probabilities());
        assertTrue(diff < 2e-2, "float16 training forward vs float32 serving: " + diff);
    }
}
