package io.streamtune.trainer.training.finetune;

import java.io.IOException;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;

/**
 * What a fine-tuning run produced.
 *
 * @param weights the encoder weights, served by {@code Backbones.acquire} through {@link #backbone} (see
 *     {@link io.streamtune.common.nlp.FinetunedWeights} for the contract)
 * @param head the head, applied by {@link io.streamtune.common.runtime.Classifier} to the served embeddings
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
public record FinetuneResult(
        TensorPack weights,
        HeadWeights head,
        FinetuneMode mode,
        int examples,
        int epochs,
        int steps,
        double trainSeconds,
        double sentencesPerSecond,
        String device,
        boolean mixedPrecision,
        double lastLoss) {

    /**
     * The backbone a version trained by this run records: the base encoder with these weights laid over it. The
     * encoded pack travels in the model record when it is at most {@code inlineMaxBytes}, else it is put in
     * {@code store} and the record points to it (LoRA and BitFit packs are small; full weights are the encoder's size).
     *
     * @param baseSha256 the frozen encoder's checksum (the champion's {@code BackboneRef.baseSha256()})
     * @param store where large packs go; null when there is none (then a pack over the limit is refused)
     * @throws IOException when the store cannot write the pack
     * @throws IllegalStateException when the pack is over {@code inlineMaxBytes} and there is no store
     */
    public BackboneRef backbone(
            String encoderId, String baseSha256, int maxSequenceLength, long inlineMaxBytes, ArtifactStore store)
            throws IOException {
        byte[] encoded = weights.encode();
        WeightsRef.Format format = WeightsRef.Format.fromWireName(mode.name());
        WeightsRef ref;
        if (encoded.length <= inlineMaxBytes) {
            ref = WeightsRef.inline(format, encoded);
        } else if (store == null) {
            throw new IllegalStateException(mode.name().toLowerCase(java.util.Locale.ROOT) + " weights of "
                    + encoded.length + " bytes are over artifacts.inlineMaxBytes (" + inlineMaxBytes
                    + ") and no artifact store is configured (artifacts.dir)");
        } else {
            ref = WeightsRef.stored(format, weights.sha256(), encoded.length, store.put(encoded));
        }
        return BackboneRef.text(encoderId, baseSha256, maxSequenceLength, ref);
    }
}
