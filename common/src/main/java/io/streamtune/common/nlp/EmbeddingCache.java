package io.streamtune.common.nlp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded, thread-safe LRU cache of embeddings keyed by encoder id + SHA-256 of the text.
 *
 * <p>Retraining on a sliding window re-encodes mostly the same examples; this keeps them. Keys
 * hash the text so the cache does not retain the texts themselves. Vectors are stored as given
 * and returned as copies, so callers cannot corrupt cached entries.
 *
 * <pre>{@code
 * EmbeddingCache cache = new EmbeddingCache(100_000);
 * try (TextEncoder enc = CachingTextEncoder.wrapping(shared, cache)) { enc.encode(texts); }
 * log.info("hits {} misses {}", cache.hits(), cache.misses());
 * }</pre>
 */
public final class EmbeddingCache {

  private final int maxEntries;
  private final LinkedHashMap<String, float[]> entries;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  /**
   * @param maxEntries entries kept before the least recently used is evicted (at least 1)
   */
  public EmbeddingCache(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
            return size() > EmbeddingCache.this.maxEntries;
          }
        };
  }

  /** The cache key of a text for an encoder. */
  public static String key(String encoderId, String text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return encoderId + ':' + HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
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
