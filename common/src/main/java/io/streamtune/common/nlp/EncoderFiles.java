package io.streamtune.common.nlp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

import io.streamtune.common.hash.Sha256;

/**
 * Where an encoder's ONNX file lives on disk. ONNX Runtime through DJL, and the ONNX reader of the trainable copy,
 * load from a file, so the classpath resource is copied once into {@code ~/.streamtune/encoders/<sha256>/}
 * (system property {@code streamtune.encoder.cache} overrides the root) while it is hashed.
 *
 * <pre>{@code
 * EncoderFiles.OnnxFile f = EncoderFiles.onnx("all-minilm-l6-v2");
 * f.path();    // ~/.streamtune/encoders/<sha256>/all-minilm-l6-v2.onnx
 * f.sha256();  // what TextEncoder.checksum() of the frozen encoder returns
 * }</pre>
 */
public final class EncoderFiles {

    /**
     * A materialised ONNX file.
     *
     * @param path the file
     * @param sha256 lower-case hex SHA-256 of its bytes
     */
    public record OnnxFile(Path path, String sha256) {}

    private EncoderFiles() {}

    /**
     * The ONNX file of a known encoder, copied out of its jar if needed.
     *
     * @throws EncoderException if the id is unknown or the resource cannot be copied
     */
    public static OnnxFile onnx(String encoderId) throws EncoderException {
        EncoderSpec spec = Encoders.spec(encoderId)
                .orElseThrow(() -> new EncoderException(
                        "unknown encoder id '" + encoderId + "'; known ids: " + Encoders.knownIds()));
        try {
            return materialise(spec.onnxResource());
        } catch (IOException e) {
            throw new EncoderException("cannot copy model of encoder " + encoderId + ": " + e, e);
        }
    }

    /**
     * Copies a resource into {@code <root>/<sha256>/} while hashing it. Keyed by checksum so two versions of an
     * encoder jar never share a file, and concurrent processes never see a half-written one (write to a temporary
     * file, then an atomic move).
     */
    static OnnxFile materialise(String resource) throws IOException {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = EncoderFiles.class.getClassLoader();
        }
        Path root = Paths.get(System.getProperty(
                "streamtune.encoder.cache",
                Paths.get(System.getProperty("user.home"), ".streamtune", "encoders")
                        .toString()));
        Files.createDirectories(root);
        Path tmp = Files.createTempFile(root, "copy-", ".onnx.tmp");
        try {
            String checksum;
            try (InputStream in = cl.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource " + resource + " is not on the classpath");
                }
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    checksum = Sha256.copy(in, out);
                }
            }
            Path dir = root.resolve(checksum);
            Path target = dir.resolve(resource);
            if (Files.isRegularFile(target)) {
                return new OnnxFile(target, checksum);
            }
            Files.createDirectories(dir);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return new OnnxFile(target, checksum);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
