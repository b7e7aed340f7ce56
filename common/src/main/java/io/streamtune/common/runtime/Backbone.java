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
