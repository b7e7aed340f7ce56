package io.streamtune.common.image;

import java.io.IOException;
import java.util.Objects;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An ImageIO input stream over bytes already in memory. The JDK's {@code MemoryCacheImageInputStream}
 * copies them into its own cache and registers every instance with the AWT {@code Disposer}, a
 * synchronized table that the scorer's threads contended on (profile in docs/DESIGN-NOTES.md, "The scorer decodes each image once");
 * this one reads the array in place and registers nothing.
 */
final class ByteArrayImageInputStream extends ImageInputStreamImpl {
    private final byte[] bytes;

    ByteArrayImageInputStream(byte[] bytes) {
        this.bytes = Objects.requireNonNull(bytes);
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        return streamPos < bytes.length ? bytes[(int) streamPos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= bytes.length) {
            return -1;
        }
        int n = (int) Math.min(len, bytes.length - streamPos);
        System.arraycopy(bytes, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return bytes.length;
    }

    /**
     * Empty on purpose: {@code ImageInputStreamImpl} declares a finalizer (it closes the stream), so each
     * instance would be registered with the JVM's finalizer queue; an array needs no closing, and a class
     * whose finalizer is empty is not registered.
     */
    @Override
    @SuppressWarnings({"deprecation", "removal"})
    protected void finalize() {}
}
