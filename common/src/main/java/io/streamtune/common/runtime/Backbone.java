package io.streamtune.common.runtime;

import java.util.List;

import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;

/**
 * The pretrained (or fine-tuned) part of a downstream model: inputs in, one feature vector per input
 * out. A head turns features into label scores ({@link Classifier}).
 *
 * <p>Implementations are thread-safe: the scorer's encoder workers and the trainer call
 * {@link #features} concurrently. Backbones are opened and shared by {@link Backbones} only (keyed
 * by {@link BackboneRef.Key}); users hold a {@link Backbones.Lease} and never close a backbone.
 */
public interface Backbone {

    /** Everything that decides this backbone's output. */
    BackboneRef.Key key();

    /** Length of each feature vector. */
    int dimension();

    /**
     * What one input costs this backbone in tokens (special tokens included, after truncation), so that
     * batches can be cut by a token budget as well as by count; 0 when the backbone's work is not
     * counted in tokens (images): such batches are cut by count alone. Cheap (a tokenizer call at most)
     * and safe from any thread.
     *
     * @param input an input of the kind this backbone takes; another kind costs 0
     */
    default int tokens(ModelInput input) {
        return 0;
    }

    /**
     * Features of a batch, in one call to the underlying network where the backbone can batch.
     *
     * @param inputs the batch, not empty; each of the kind this backbone takes
     * @return {@code [inputs.size()][dimension()]}, in input order
     * @throws InputRejectedException when one input cannot be used (wrong kind, undecodable image);
     *     it names the input's index and a dead-letter reason
     * @throws RuntimeException when the network itself fails
     */
    float[][] features(List<ModelInput> inputs);
}
