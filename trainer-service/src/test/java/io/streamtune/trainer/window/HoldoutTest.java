package io.streamtune.trainer.window;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class HoldoutTest {
    @Test
    void shouldGiveTheSameAnswerForAnIdEveryTime() {
        for (int i = 0; i < 1_000; i++) {
            String id = "r-" + i;
            assertEquals(Holdout.contains(id, 10), Holdout.contains(new String(id.toCharArray()), 10), id);
        }
    }

    @Test
    void shouldPinTheHashSoMembershipNeverChangesAcrossReleases() {
        // SHA-256("r-0") starts 0x...; changing the hash would silently move examples between
        // holdout and training on upgrade. Values computed once from the specification.
        assertEquals(expectedBucket("r-0"), Holdout.bucket("r-0"));
        assertEquals(expectedBucket("example-42"), Holdout.bucket("example-42"));
    }

    private static int expectedBucket(String id) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new java.math.BigInteger(1, java.util.Arrays.copyOf(d, 8))
                    .mod(java.math.BigInteger.valueOf(100))
                    .intValue();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldKeepAboutThePercentOfIds() {
        long in = IntStream.range(0, 20_000)
                .filter(i -> Holdout.contains("id-" + i, 10))
                .count();
        // 10% of 20,000 = 2,000; binomial sd ~42, so +-300 never flakes.
        assertTrue(in > 1_700 && in < 2_300, "holdout share " + in);
    }

    @Test
    void shouldNestSmallerPercentsInLargerOnes() {
        for (int i = 0; i < 2_000; i++) {
            String id = "n-" + i;
            if (Holdout.contains(id, 5)) {
                assertTrue(Holdout.contains(id, 20), id);
            }
        }
        assertFalse(IntStream.range(0, 1_000).anyMatch(i -> Holdout.contains("z-" + i, 0)));
    }
}
