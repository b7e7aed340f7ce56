package io.streamtune.trainer.window;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Stable holdout membership: an example belongs to the holdout when the first 8 bytes of the
 * SHA-256 of its id, read as an unsigned number, fall below {@code percent} modulo 100.
 *
 * <p>The decision depends on the id alone, not on arrival order, partition, JVM or version, so
 * an example that judged one challenger is never trained on by the next, and a restarted
 * trainer sorts its rebuilt window exactly as before.
 *
 * <pre>{@code
 * if (Holdout.contains(example.id(), 10)) holdout.add(example); else training.add(example);
 * }</pre>
 */
public final class Holdout {
    private Holdout() {}

    /** The example's bucket in [0, 100). */
    public static int bucket(String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(h, 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    /** Whether the example with this id is kept out of training for the promotion gate. */
    public static boolean contains(String id, int percent) {
        return bucket(id) < percent;
    }
}
