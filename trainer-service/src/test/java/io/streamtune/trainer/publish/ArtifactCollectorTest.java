package io.streamtune.trainer.publish;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.DirectoryArtifactStore;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArtifactCollectorTest {
    private static final List<String> LABELS = List.of("neg", "pos");

    private static ModelArtifact version(long v, WeightsRef weights) {
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                "t",
                v,
                null,
                "all-minilm-l6-v2",
                "c".repeat(64),
                LABELS,
                null,
                List.of(),
                1L,
                null);
        HeadWeights head = new HeadWeights(
                HeadKind.LINEAR, List.of(new HeadWeights.Layer(2, 2, new float[] {1, 0, 0, 1}, new float[] {0, 0})));
        return ModelArtifact.of(meta, BackboneRef.text("all-minilm-l6-v2", "c".repeat(64), 32, weights), head);
    }

    private static WeightsRef stored(DirectoryArtifactStore store, byte[] bytes) throws Exception {
        return WeightsRef.stored(WeightsRef.Format.FULL, Sha256.hex(bytes), bytes.length, store.put(bytes));
    }

    @Test
    void shouldDeleteOnlyBlobsNoRetainedVersionReferences(@TempDir Path dir) throws Exception {
        DirectoryArtifactStore store = new DirectoryArtifactStore(dir);
        byte[] kept = "weights of v1".getBytes(StandardCharsets.UTF_8);
        byte[] alsoKept = "weights of v3".getBytes(StandardCharsets.UTF_8);
        byte[] orphan = "weights of a rejected challenger".getBytes(StandardCharsets.UTF_8);
        WeightsRef w1 = stored(store, kept);
        WeightsRef w3 = stored(store, alsoKept);
        WeightsRef rejected = stored(store, orphan);
        byte[] pack = TensorPack.builder()
                .attribute("mode", "lora")
                .tensor("x", new int[] {1}, new float[] {1})
                .build()
                .encode();
        List<ModelArtifact> retained = List.of(
                version(1, w1),
                version(2, WeightsRef.inline(WeightsRef.Format.LORA, pack)),
                version(3, w3),
                version(4, null));

        Set<String> referenced = ArtifactCollector.referenced(retained);
        assertEquals(Set.of(w1.uri(), w3.uri()), referenced, "inline and frozen backbones reference no blob");

        assertEquals(
                0,
                ArtifactCollector.collect(store, referenced, Duration.ofHours(1)),
                "a young blob is kept: its version may not be committed yet");
        assertArrayEquals(orphan, store.get(rejected.uri(), rejected.sha256()));

        assertEquals(1, ArtifactCollector.collect(store, referenced, Duration.ZERO));
        assertArrayEquals(kept, store.get(w1.uri(), w1.sha256()));
        assertArrayEquals(alsoKept, store.get(w3.uri(), w3.sha256()));
        ArtifactException gone =
                assertThrows(ArtifactException.class, () -> store.get(rejected.uri(), rejected.sha256()));
        assertEquals(ArtifactException.Reason.MISSING_WEIGHTS, gone.reason());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }
}
