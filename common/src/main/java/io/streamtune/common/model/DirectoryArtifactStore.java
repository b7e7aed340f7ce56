package io.streamtune.common.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Pattern;

import io.streamtune.common.hash.Sha256;

/**
 * An {@link ArtifactStore} in a directory that the trainer and the scorers share (a volume in
 * docker-compose, a network file system in a cluster). Blobs are files named by their SHA-256;
 * URIs are {@code blob:<sha256>}, relative to the store, so each service may mount the directory
 * wherever it likes. Writes go to a temporary file first and are moved into place atomically, so a
 * reader never sees half a blob.
 */
public final class DirectoryArtifactStore implements ArtifactStore {
    /** URI scheme of blobs in a directory store. */
    public static final String SCHEME = "blob:";

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String SUFFIX = ".stpk";

    private final Path root;

    /** A store in {@code root}, created when missing. */
    public DirectoryArtifactStore(Path root) {
        this.root = root.toAbsolutePath();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the artifact store directory " + this.root + " (artifacts.dir): " + e.getMessage(),
                    e);
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        String sha = Sha256.hex(bytes);
        Path target = root.resolve(sha + SUFFIX);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
            return SCHEME + sha;
        }
        Path tmp = Files.createTempFile(root, "put-", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return SCHEME + sha;
    }

    @Override
    public byte[] get(String uri, String sha256) throws ArtifactException {
        String name = uri == null || !uri.startsWith(SCHEME) ? null : uri.substring(SCHEME.length());
        if (name == null || !HEX.matcher(name).matches()) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    "weights at '" + uri + "' are not in a directory artifact store (expected blob:<sha256>)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(root.resolve(name + SUFFIX));
        } catch (NoSuchFileException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    "weights " + uri + " are not in the artifact store " + root
                            + " (deleted, or the trainer writes to another artifacts.dir)",
                    e);
        } catch (IOException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    "weights " + uri + " cannot be read from " + root + ": " + e.getMessage(),
                    e);
        }
        String actual = Sha256.hex(bytes);
        if (!actual.equals(sha256)) {
            throw new ArtifactException(
                    ArtifactException.Reason.CHECKSUM_MISMATCH,
                    "weights " + uri + " in " + root + " hash to " + actual + ", the model record expects " + sha256);
        }
        return bytes;
    }

    @Override
    public int deleteUnreferenced(Set<String> referenced, Duration minAge) throws IOException {
        Instant cutoff = Instant.now().minus(minAge);
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String uri = SCHEME + name.substring(0, name.length() - SUFFIX.length());
                if (!referenced.contains(uri)
                        && Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(f);
                    deleted++;
                }
            }
        }
        return deleted;
    }

    @Override
    public String toString() {
        return "DirectoryArtifactStore[" + root + "]";
    }
}
