package io.streamtune.common.model;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * Where weights too large for a model record are kept (full fine-tuned encoders, large CNNs): a
 * content-addressed store that the trainer writes and every scorer reads. A model record points to a
 * blob by URI and pins it by SHA-256 ({@link WeightsRef}).
 *
 * <pre>{@code
 * ArtifactStore store = new DirectoryArtifactStore(Path.of("/var/lib/streamtune/artifacts"));
 * String uri = store.put(pack.encode());                    // "blob:<sha256>"
 * byte[] bytes = store.get(uri, sha256);                    // verified
 * store.deleteUnreferenced(Set.of(uri), Duration.ofHours(1));
 * }</pre>
 */
public interface ArtifactStore {

    /**
     * Stores bytes under their SHA-256 (idempotent: storing the same bytes twice keeps one blob).
     *
     * @return the URI a {@link WeightsRef} records
     * @throws IOException when the store cannot be written
     */
    String put(byte[] bytes) throws IOException;

    /**
     * Reads a blob and checks it.
     *
     * @throws ArtifactException MISSING_WEIGHTS when there is no such blob (or the URI belongs to
     *     another kind of store), CHECKSUM_MISMATCH when its bytes do not hash to {@code sha256}
     */
    byte[] get(String uri, String sha256) throws ArtifactException;

    /**
     * Deletes blobs whose URI is not in {@code referenced} and that are older than {@code minAge}
     * (so a blob written for a version still being published is kept).
     *
     * @return the number of blobs deleted
     * @throws IOException when the store cannot be listed
     */
    int deleteUnreferenced(Set<String> referenced, Duration minAge) throws IOException;
}
