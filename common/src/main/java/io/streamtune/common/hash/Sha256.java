package io.streamtune.common.hash;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one SHA-256 helper of streamtune: artifact checksums, encoder checksums, blob names,
 * holdout membership and cache keys all hash through here.
 *
 * <pre>{@code
 * String hex = Sha256.hex(bytes);                 // 64 lower-case hex digits
 * byte[] d = Sha256.digest("some id");            // 32 bytes of UTF-8 text's digest
 * String fileSha = Sha256.copy(resourceStream, fileStream);
 * }</pre>
 */
public final class Sha256 {
    private Sha256() {}

    /** A fresh SHA-256 digest; every JDK has one (JCA requires it). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** The 32-byte digest of {@code data}. */
    public static byte[] digest(byte[] data) {
        return newDigest().digest(data);
    }

    /** The 32-byte digest of the UTF-8 bytes of {@code text}. */
    public static byte[] digest(String text) {
        return digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex (64 characters) of the digest of {@code data}. */
    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(digest(data));
    }

    /** Lower-case hex of the digest of the UTF-8 bytes of {@code text}. */
    public static String hex(String text) {
        return HexFormat.of().formatHex(digest(text));
    }

    /** Lower-case hex of a finished digest. */
    public static String hex(MessageDigest finished) {
        return HexFormat.of().formatHex(finished.digest());
    }

    /**
     * Copies {@code in} to {@code out} while hashing it; neither stream is closed.
     *
     * @return lower-case hex of the digest of the copied bytes
     * @throws IOException from either stream
     */
    public static String copy(InputStream in, OutputStream out) throws IOException {
        MessageDigest sha = newDigest();
        DigestOutputStream d = new DigestOutputStream(out, sha);
        in.transferTo(d);
        d.flush();
        return hex(sha);
    }

    /** Lower-case hex of the digest of everything {@code in} holds (read to its end, not closed). */
    public static String hex(InputStream in) throws IOException {
        return copy(in, OutputStream.nullOutputStream());
    }
}
