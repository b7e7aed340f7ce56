package io.streamtune.common.nlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CachingTextEncoderTest {

  @Test
  void shouldEncodeOnlyMissesInOneBatch() {
    FakeEncoder fake = new FakeEncoder(4);
    EmbeddingCache cache = new EmbeddingCache(100);
    CachingTextEncoder enc = CachingTextEncoder.wrapping(fake, cache);
    float[][] first = enc.encode(List.of("a", "b"));
    float[][] second = enc.encode(List.of("b", "c", "a", "d"));
    assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), fake.calls);
    assertArrayEquals(first[0], second[2]);
    assertArrayEquals(first[1], second[0]);
    assertEquals(2, cache.hits());
    assertEquals(4, cache.misses());
  }

  @Test
  void shouldNotCallEncoderWhenEverythingIsCached() {
    FakeEncoder fake = new FakeEncoder(4);
    CachingTextEncoder enc = CachingTextEncoder.wrapping(fake, new EmbeddingCache(10));
    enc.encode(List.of("x"));
    enc.encode(List.of("x", "x"));
    assertEquals(1, fake.calls.size());
  }

  @Test
  void shouldEvictLeastRecentlyUsed() {
    EmbeddingCache cache = new EmbeddingCache(2);
    cache.put("a", new float[] {1});
    cache.put("b", new float[] {2});
    cache.get("a"); // a is now the most recent
    cache.put("c", new float[] {3});
    assertEquals(2, cache.size());
    assertTrue(cache.get("a") != null);
    assertEquals(null, cache.get("b"));
  }

  @Test
  void shouldReturnCopiesSoCallersCannotCorruptTheCache() {
    EmbeddingCache cache = new EmbeddingCache(2);
    cache.put("a", new float[] {1});
    cache.get("a")[0] = 99;
    assertEquals(1f, cache.get("a")[0]);
  }

  @Test
  void shouldKeyByEncoderIdAndText() {
    assertNotEquals(EmbeddingCache.key("e1", "t"), EmbeddingCache.key("e2", "t"));
    assertEquals(EmbeddingCache.key("e1", "t"), EmbeddingCache.key("e1", "t"));
  }

  @Test
  void shouldCloseDelegateOnlyWhenOwningIt() {
    FakeEncoder shared = new FakeEncoder(2);
    CachingTextEncoder.wrapping(shared, new EmbeddingCache(1)).close();
    assertFalse(shared.closed);
    FakeEncoder owned = new FakeEncoder(2);
    CachingTextEncoder.owning(owned, new EmbeddingCache(1)).close();
    assertTrue(owned.closed);
  }
}
