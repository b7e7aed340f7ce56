package io.streamtune.cli;

import io.streamtune.common.nlp.EmbeddingCache;
import io.streamtune.common.nlp.TextEncoder;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Keeps the embeddings of an evaluation's texts on disk so that trying another head or seed
 * does not re-encode (minutes on 2 cores). A development aid for {@code evaluate} only; the
 * trainer service keeps its embeddings in memory.
 *
 * <p>File: {@code <dir>/<encoderId>-<sha256(encoder checksum + texts)>.emb}, holding
 * {@code int n, int dim} then n x dim big-endian floats, in order of the distinct texts.
 */
final class EmbeddingStore {
  private EmbeddingStore() {}

  static Path file(Path dir, TextEncoder encoder, List<String> texts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(encoder.checksum().getBytes(StandardCharsets.UTF_8));
      for (String t : new LinkedHashSet<>(texts)) {
        sha.update(t.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return dir.resolve(encoder.id() + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16) + ".emb");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Fills the cache from the file; false when there is no usable file. */
  static boolean load(Path file, TextEncoder encoder, List<String> texts, EmbeddingCache cache)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    List<String> distinct = List.copyOf(new LinkedHashSet<>(texts));
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      int n = in.readInt();
      int dim = in.readInt();
      if (n != distinct.size() || dim != encoder.dimension()) {
        return false;
      }
      for (String t : distinct) {
        float[] v = new float[dim];
        for (int k = 0; k < dim; k++) {
          v[k] = in.readFloat();
        }
        cache.put(EmbeddingCache.key(encoder.id(), t), v);
      }
    }
    System.err.println("embeddings loaded from " + file);
    return true;
  }

  static void save(Path file, TextEncoder encoder, List<String> texts, EmbeddingCache cache)
      throws IOException {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(texts));
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "emb-", ".tmp");
    try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      out.writeInt(distinct.size());
      out.writeInt(encoder.dimension());
      for (String t : distinct) {
        float[] v = cache.get(EmbeddingCache.key(encoder.id(), t));
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
