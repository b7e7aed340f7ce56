package io.streamtune.common.nlp;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TextEncoder} that answers from an {@link EmbeddingCache} and sends only the misses
 * to the wrapped encoder, in one batch.
 *
 * <p>Ownership is explicit: {@link #wrapping} leaves the wrapped encoder open on
 * {@link #close()} (the usual case: one shared encoder, many users), {@link #owning} closes it.
 *
 * <pre>{@code
 * TextEncoder shared = Encoders.open("all-minilm-l6-v2");
 * TextEncoder cached = CachingTextEncoder.wrapping(shared, new EmbeddingCache(50_000));
 * float[][] v = cached.encode(texts); // second call with the same texts encodes nothing
 * }</pre>
 */
public final class CachingTextEncoder implements TextEncoder {

  private final TextEncoder delegate;
  private final EmbeddingCache cache;
  private final boolean ownsDelegate;

  /**
   * @param delegate encoder that computes misses
   * @param cache cache shared by any number of wrappers of the same encoder
   * @param ownsDelegate whether {@link #close()} closes the delegate
   */
  public CachingTextEncoder(TextEncoder delegate, EmbeddingCache cache, boolean ownsDelegate) {
    if (delegate == null || cache == null) {
      throw new IllegalArgumentException("delegate and cache are required");
    }
    this.delegate = delegate;
    this.cache = cache;
    this.ownsDelegate = ownsDelegate;
  }

  /** Wraps without taking ownership: closing the wrapper leaves {@code delegate} open. */
  public static CachingTextEncoder wrapping(TextEncoder delegate, EmbeddingCache cache) {
    return new CachingTextEncoder(delegate, cache, false);
  }

  /** Wraps and takes ownership: closing the wrapper closes {@code delegate}. */
  public static CachingTextEncoder owning(TextEncoder delegate, EmbeddingCache cache) {
    return new CachingTextEncoder(delegate, cache, true);
  }

  public EmbeddingCache cache() {
    return cache;
  }

  public TextEncoder delegate() {
    return delegate;
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public int dimension() {
    return delegate.dimension();
  }

  @Override
  public String checksum() {
    return delegate.checksum();
  }

  @Override
  public float[][] encode(List<String> texts) {
    int n = texts.size();
    float[][] out = new float[n][];
    String[] keys = new String[n];
    List<String> missTexts = new ArrayList<>();
    List<Integer> missIdx = new ArrayList<>();
    // Keys are encoder id + text hash: never share one cache between two encoders that
    // have the same id but different weights (checksums).
    for (int i = 0; i < n; i++) {
      keys[i] = EmbeddingCache.key(delegate.id(), texts.get(i));
      out[i] = cache.get(keys[i]);
      if (out[i] == null) {
        missTexts.add(texts.get(i));
        missIdx.add(i);
      }
    }
    if (!missTexts.isEmpty()) {
      float[][] computed = delegate.encode(missTexts);
      for (int j = 0; j < computed.length; j++) {
        int i = missIdx.get(j);
        out[i] = computed[j];
        cache.put(keys[i], computed[j]);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (ownsDelegate) {
      delegate.close();
    }
  }
}
