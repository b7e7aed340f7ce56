package io.streamtune.scoring.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;

/**
 * Recent scores of repeated inputs, so that a text seen again (a retweet, a headline syndicated
 * twice) is not encoded again: a bounded LRU of (model version, input) to its classification, shared
 * by the encoder workers of one scoring service ({@code scoring.cache.entries}; 0 turns it off).
 *
 * <p>Keyed by {@link ModelHandle#identity()} (task, version and artifact checksum, which covers the
 * backbone) and the SHA-256 of the input, so a swap to another version never serves the scores of
 * the previous one, and the cache holds no texts. Entries of a version out of service are not read
 * again and age out.
 *
 * <pre>{@code
 * ScoreCache cache = new ScoreCache(10_000);
 * String key = cache.key(model, input);
 * Classification c = cache.get(key);            // null: not seen under this version
 * if (c == null) cache.put(key, c = model.classify(List.of(input)).get(0));
 * }</pre>
 *
 * <p>Thread-safe (one lock; a lookup is a hash and a map access next to milliseconds of encoding).
 */
public final class ScoreCache {
    private final int maxEntries;
    private final Map<String, Classification> entries;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * @param maxEntries scores kept before the least recently used is dropped; 0 keeps none (off)
     */
    public ScoreCache(int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("scoring.cache.entries must be 0 (off) or more, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Classification> eldest) {
                return size() > ScoreCache.this.maxEntries;
            }
        };
    }

    /** A cache that keeps nothing. */
    public static ScoreCache off() {
        return new ScoreCache(0);
    }

    /** Whether scores are kept at all. */
    public boolean enabled() {
        return maxEntries > 0;
    }

    /** The key of an input's scores under a model version. */
    public String key(ModelHandle model, ModelInput input) {
        String content = input instanceof ModelInput.Text t
                ? "t:" + Sha256.hex(t.text())
                : "i:" + Sha256.hex(((ModelInput.Image) input).encoded());
        return model.identity() + '|' + content;
    }

    /** The cached classification, or null; counts a hit or a miss. Always null (uncounted) when off. */
    public Classification get(String key) {
        if (!enabled()) {
            return null;
        }
        Classification c;
        synchronized (entries) {
            c = entries.get(key);
        }
        (c == null ? misses : hits).incrementAndGet();
        return c;
    }

    /** Keeps a classification, shared as is (nothing modifies a classification once made). Does nothing when off. */
    public void put(String key, Classification classification) {
        if (!enabled()) {
            return;
        }
        synchronized (entries) {
            entries.put(key, classification);
        }
    }

    /** Lookups answered from the cache since start. */
    public long hits() {
        return hits.get();
    }

    /** Lookups that went to the model since start. */
    public long misses() {
        return misses.get();
    }

    /** Scores kept now. */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    public int maxEntries() {
        return maxEntries;
    }
}
