package io.streamtune.common.runtime;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.nlp.FakeEncoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachingBackboneTest {
    private static final BackboneRef.Key KEY =
            BackboneRef.text("fake", "00", 16, null).key();

    private static CachingBackbone cached(FakeEncoder fake, FeatureCache cache) {
        return new CachingBackbone(new TextEncoderBackbone(KEY, fake), cache);
    }

    @Test
    void shouldComputeOnlyMissesInOneBatch() {
        FakeEncoder fake = new FakeEncoder(4);
        FeatureCache cache = new FeatureCache(100);
        CachingBackbone b = cached(fake, cache);
        float[][] first = b.features(ModelInput.texts(List.of("a", "b")));
        float[][] second = b.features(ModelInput.texts(List.of("b", "c", "a", "d")));
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), fake.calls);
        assertArrayEquals(first[0], second[2]);
        assertArrayEquals(first[1], second[0]);
        assertEquals(2, cache.hits());
        assertEquals(4, cache.misses());
    }

    @Test
    void shouldNotCallTheBackboneWhenEverythingIsCached() {
        FakeEncoder fake = new FakeEncoder(4);
        CachingBackbone b = cached(fake, new FeatureCache(10));
        b.features(ModelInput.texts(List.of("x")));
        b.features(ModelInput.texts(List.of("x", "x")));
        assertEquals(1, fake.calls.size());
    }

    @Test
    void shouldEvictLeastRecentlyUsed() {
        FeatureCache cache = new FeatureCache(2);
        cache.put("a", new float[] {1});
        cache.put("b", new float[] {2});
        cache.get("a"); // a is now the most recent
        cache.put("c", new float[] {3});
        assertEquals(2, cache.size());
        assertTrue(cache.get("a") != null);
        assertNull(cache.get("b"));
    }

    @Test
    void shouldReturnCopiesSoCallersCannotCorruptTheCache() {
        FeatureCache cache = new FeatureCache(2);
        cache.put("a", new float[] {1});
        cache.get("a")[0] = 99;
        assertEquals(1f, cache.get("a")[0]);
    }

    @Test
    void shouldKeyByEverythingThatChangesTheOutput() {
        ModelInput t = new ModelInput.Text("t");
        BackboneRef ref = BackboneRef.text("e1", "aa", 16, null);
        assertEquals(FeatureCache.key(ref.key(), t), FeatureCache.key(ref.key(), new ModelInput.Text("t")));
        assertNotEquals(
                FeatureCache.key(ref.key(), t),
                FeatureCache.key(BackboneRef.text("e2", "aa", 16, null).key(), t));
        assertNotEquals(
                FeatureCache.key(ref.key(), t),
                FeatureCache.key(ref.withMaxSequenceLength(256).key(), t));
        assertNotEquals(
                FeatureCache.key(ref.key(), t),
                FeatureCache.key(BackboneRef.text("e1", "bb", 16, null).key(), t));
    }

    @Test
    void shouldReportARejectedInputAtItsPositionInTheCallersBatch() {
        FakeEncoder fake = new FakeEncoder(4);
        CachingBackbone b = cached(fake, new FeatureCache(10));
        b.features(ModelInput.texts(List.of("cached")));
        InputRejectedException e = assertThrows(
                InputRejectedException.class,
                () -> b.features(List.of(new ModelInput.Text("cached"), new ModelInput.Image(new byte[] {1}))));
        assertEquals(1, e.index());
        assertEquals(Reason.SCORING_FAILED, e.reason());
    }
}
