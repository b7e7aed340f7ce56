package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.nlp.FakeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackbonesTest {

    @Test
    void shouldOpenOneBackbonePerSequenceLengthAndShareEqualOnes() throws Exception {
        List<Integer> openedAt = new ArrayList<>();
        try (Backbones pool = Backbones.create(
                (id, length) -> {
                    openedAt.add(length);
                    return new FakeEncoder(4);
                },
                null)) {
            try (Backbones.Lease a = pool.frozenText("fake", 16);
                    Backbones.Lease b = pool.frozenText("fake", 256);
                    Backbones.Lease c = pool.acquire(BackboneRef.text("fake", "00", 16, null))) {
                assertNotSame(a.backbone(), b.backbone(), "another truncation is another backbone");
                assertSame(a.backbone(), c.backbone());
                assertEquals(16, a.backbone().key().maxSequenceLength());
                assertEquals(256, b.backbone().key().maxSequenceLength());
                assertEquals(BackboneRef.text("fake", "00", 16, null), a.ref(), "the lease names the base checksum");
            }
            assertEquals(List.of(16, 256), openedAt);
        }
    }

    @Test
    void shouldRefuseAVersionTrainedOnAnotherEncoderFileOrWithCorruptWeights() throws Exception {
        try (Backbones pool = Backbones.create((id, length) -> new FakeEncoder(4), null)) {
            ArtifactException other =
                    assertThrows(ArtifactException.class, () -> pool.acquire(BackboneRef.text("fake", "ff", 16, null)));
            assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, other.reason());

            byte[] pack = TensorPack.builder()
                    .tensor("b", new int[] {1}, new float[] {1})
                    .build()
                    .encode();
            WeightsRef good = WeightsRef.inline(WeightsRef.Format.BITFIT, pack);
            WeightsRef lying = new WeightsRef(WeightsRef.Format.BITFIT, "0".repeat(64), pack.length, pack, null);
            ArtifactException corrupt = assertThrows(
                    ArtifactException.class, () -> pool.acquire(BackboneRef.text("fake", "00", 16, lying)));
            assertEquals(ArtifactException.Reason.CHECKSUM_MISMATCH, corrupt.reason());

            WeightsRef stored =
                    WeightsRef.stored(WeightsRef.Format.FULL, good.sha256(), pack.length, "blob:" + good.sha256());
            ArtifactException noStore = assertThrows(
                    ArtifactException.class, () -> pool.acquire(BackboneRef.text("fake", "00", 16, stored)));
            assertEquals(ArtifactException.Reason.MISSING_WEIGHTS, noStore.reason());
            assertTrue(noStore.getMessage().contains("artifacts.dir"), noStore.getMessage());
        }
    }

    @Test
    void shouldCloseWhatItOpenedOnlyWhenThePoolCloses() throws Exception {
        FakeEncoder enc = new FakeEncoder(4);
        Backbones pool = Backbones.create((id, length) -> enc, null);
        pool.frozenText("fake", 16).close();
        assertFalse(enc.closed);
        pool.close();
        assertTrue(enc.closed);
        assertThrows(IllegalStateException.class, () -> pool.acquire(BackboneRef.text("fake", "00", 16, null)));
    }
}
