package io.streamtune.trainer.training.finetune;

/**
 * Progress of a fine-tuning run, called on the training thread after every optimiser step; keep it cheap.
 */
@FunctionalInterface
public interface FinetuneListener {

    /** Ignores progress. */
    FinetuneListener NONE = (step, total, loss) -> {};

    /**
     * @param step steps done so far (1-based)
     * @param totalSteps steps the run will take
     * @param loss mean cross-entropy of this step's batch, before its update
     */
    void onStep(int step, int totalSteps, double loss);
}
