package io.streamtune.common.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;

/**
 * A bounded, thread-safe LRU cache of backbone features keyed by the backbone's output identity
 * ({@link BackboneRef.Key#checksum()}: id, sequence length, base and weights checksums) + SHA-256 of
 * the input, so a feature computed at one truncation or with one set of weights is never served for
 * another.
 *
 * <p>Retraining on a sliding window re-encodes mostly the same examples; this keeps them. Keys
 * hash the input so the cache does not retain texts or images. Vectors are stored as given
 * and returned as copies, so callers cannot corrupt cached entries.
 *
 * <pre>{@code
 * FeatureCache cache = new FeatureCache(100_000);
 * Backbone cached = new CachingBackbone(lease.backbone(), cache);
 * cached.features(inputs);
 * log.info("hits {} misses {}", cache.hits(), cache.misses());
 * }</pre>
 */
public final class FeatureCache {

    private final int maxEntries;
    private final LinkedHashMap<String, float[]> entries;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * @param maxEntries entries kept before the least recently used is evicted (at least 1)
     */
    public FeatureCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > FeatureCache.this.maxEntries;
            }
        };
    }

    /** The cache key of an input for a backbone. */
    public static String key(BackboneRef.Key backbone, ModelInput input) {
        String content = input instanceof ModelInput.Text t
                ? "t:" + Sha256.hex(t.text())
                : "i:" + Sha256.hex(((ModelInput.Image) input).encoded());
        return backbone.checksum() + ':' + content;
    }

    /** The cached vector (a copy) or null; counts a hit or a miss. */
    public float[] get(String key) {
        float[] v;
        synchronized (entries) {
            v = entries.get(key);
        }
        if (v == null) {
            misses.incrementAndGet();
            return null;
        }
        hits.incrementAndGet();
        return v.clone();
    }

    /** Stores a copy of the vector. */
    public void put(String key, float[] vector) {
        float[] copy = vector.clone();
        synchronized (entries) {
            entries.put(key, copy);
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    public int maxEntries() {
        return maxEntries;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }
}
