package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.List;

import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;

/**
 * A {@link Backbone} that answers from a {@link FeatureCache} and sends only the misses to the
 * wrapped backbone, in one batch: retraining on a sliding window computes features of new examples
 * only. It owns nothing; the wrapped backbone stays its lease holder's.
 */
public final class CachingBackbone implements Backbone {
    private final Backbone delegate;
    private final FeatureCache cache;

    public CachingBackbone(Backbone delegate, FeatureCache cache) {
        if (delegate == null || cache == null) {
            throw new IllegalArgumentException("delegate and cache are required");
        }
        this.delegate = delegate;
        this.cache = cache;
    }

    public FeatureCache cache() {
        return cache;
    }

    @Override
    public BackboneRef.Key key() {
        return delegate.key();
    }

    @Override
    public int dimension() {
        return delegate.dimension();
    }

    @Override
    public float[][] features(List<ModelInput> inputs) {
        int n = inputs.size();
        float[][] out = new float[n][];
        String[] keys = new String[n];
        List<ModelInput> missing = new ArrayList<>();
        List<Integer> missingAt = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys[i] = FeatureCache.key(delegate.key(), inputs.get(i));
            out[i] = cache.get(keys[i]);
            if (out[i] == null) {
                missing.add(inputs.get(i));
                missingAt.add(i);
            }
        }
        if (!missing.isEmpty()) {
            float[][] computed;
            try {
                computed = delegate.features(missing);
            } catch (InputRejectedException e) {
                // Report the position in the caller's batch, not in the batch of misses.
                throw new InputRejectedException(missingAt.get(e.index()), e.reason(), e.getMessage(), e);
            }
            for (int j = 0; j < computed.length; j++) {
                int i = missingAt.get(j);
                out[i] = computed[j];
                cache.put(keys[i], computed[j]);
            }
        }
        return out;
    }
}
