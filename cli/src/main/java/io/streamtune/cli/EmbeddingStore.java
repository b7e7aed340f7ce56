package io.streamtune.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;

import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.runtime.Backbone;
import io.streamtune.common.runtime.FeatureCache;

/**
 * Keeps the embeddings of an evaluation's texts on disk so that trying another head or seed
 * does not re-encode (minutes on 2 cores). A development aid for {@code evaluate} only; the
 * trainer service keeps its embeddings in memory.
 *
 * <p>File: {@code <dir>/<backbone id>-<sha256(backbone output identity + texts)>.emb}, holding
 * {@code int n, int dim} then n x dim big-endian floats, in order of the distinct texts.
 */
final class EmbeddingStore {
    private EmbeddingStore() {}

    static Path file(Path dir, Backbone backbone, List<String> texts) {
        MessageDigest sha = Sha256.newDigest();
        sha.update(backbone.key().checksum().getBytes(StandardCharsets.UTF_8));
        for (String t : new LinkedHashSet<>(texts)) {
            sha.update(t.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return dir.resolve(backbone.key().id() + "-"
                + HexFormat.of().formatHex(sha.digest()).substring(0, 16) + ".emb");
    }

    /** Fills the cache from the file; false when there is no usable file. */
    static boolean load(Path file, Backbone backbone, List<String> texts, FeatureCache cache) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(texts));
        try (DataInputStream in =
                new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            int n = in.readInt();
            int dim = in.readInt();
            if (n != distinct.size() || dim != backbone.dimension()) {
                return false;
            }
            for (String t : distinct) {
                float[] v = new float[dim];
                for (int k = 0; k < dim; k++) {
                    v[k] = in.readFloat();
                }
                cache.put(FeatureCache.key(backbone.key(), new ModelInput.Text(t)), v);
            }
        }
        System.err.println("embeddings loaded from " + file);
        return true;
    }

    static void save(Path file, Backbone backbone, List<String> texts, FeatureCache cache) throws IOException {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(texts));
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "emb-", ".tmp");
        try (DataOutputStream out =
                new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeInt(distinct.size());
            out.writeInt(backbone.dimension());
            for (String t : distinct) {
                float[] v = cache.get(FeatureCache.key(backbone.key(), new ModelInput.Text(t)));
                if (v == null) {
                    throw new IOException("embedding missing from cache for a text; not saving");
                }
                for (float f : v) {
                    out.writeFloat(f);
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
