package io.streamtune.trainer.training.finetune;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;

/**
 * What a fine-tuning run produced.
 *
 * @param weights the encoder weights to serve with {@code Encoders.open(id, maxLength, threads, weights)} (see
 *     {@link io.streamtune.common.nlp.bert.FinetunedWeights} for the contract)
 * @param head the head, applied by {@link io.streamtune.common.model.Classifier} to the served embeddings
 * @param mode what was trained
 * @param examples training examples
 * @param epochs passes over them
 * @param steps optimiser steps taken (skipped mixed-precision steps not counted)
 * @param trainSeconds wall time of the training loop (tokenisation and model set-up excluded)
 * @param sentencesPerSecond examples times epochs per training second
 * @param device the device trained on, as DJL names it ({@code cpu()}, {@code gpu(0)})
 * @param mixedPrecision whether matrix products ran in float16
 * @param lastLoss mean loss over the last epoch's steps
 */
public record FinetuneResult(TensorPack weights, HeadWeights head, FinetuneMode mode, int examples, int epochs,
                             int steps, double trainSeconds, double sentencesPerSecond, String device,
                             boolean mixedPrecision, double lastLoss) {
}
