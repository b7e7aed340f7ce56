package io.streamtune.monitor.drift;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.MonitorPolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The detector on seeded synthetic streams, with the default settings (delta 0.2, lambda 50,
 * warm-up 200): no alarm on 100,000 stationary records; a shift found within a stated number of records.
 */
class PageHinkleyTest {
    private static final double DELTA = MonitorPolicy.DRIFT_DELTA.defaultValue();
    private static final double LAMBDA = MonitorPolicy.DRIFT_LAMBDA.defaultValue();
    private static final int WARMUP = MonitorPolicy.DRIFT_WARMUP.defaultValue();

    /** Index of the first detection in {@code n} samples, or -1. */
    private static int firstDetection(PageHinkley ph, int n, DoubleSupplier next) {
        for (int i = 0; i < n; i++) {
            if (ph.add(next.getAsDouble()) != null) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void shouldNotAlarmOnAStationaryErrorRateOf100000Records() {
        Random r = new Random(42);
        assertEquals(
                -1,
                firstDetection(new PageHinkley(DELTA, LAMBDA, WARMUP), 100_000, () -> r.nextDouble() < 0.1 ? 1 : 0));
    }

    @Test
    void shouldNotAlarmOnStationaryLabelSharesOrConfidence() {
        Random r = new Random(7);
        for (double p : new double[] {0.5, 0.3, 0.02}) {
            assertEquals(
                    -1,
                    firstDetection(new PageHinkley(DELTA, LAMBDA, WARMUP), 100_000, () -> r.nextDouble() < p ? 1 : 0),
                    "label share " + p);
        }
        assertEquals(
                -1,
                firstDetection(
                        new PageHinkley(DELTA, LAMBDA, WARMUP),
                        100_000,
                        () -> Math.min(1, Math.max(0, 0.8 + 0.1 * r.nextGaussian()))),
                "confidence");
    }

    @Test
    void shouldDetectAnErrorRateRiseFrom10To40PercentWithin200Records() {
        Random r = new Random(3);
        PageHinkley ph = new PageHinkley(DELTA, LAMBDA, WARMUP);
        assertEquals(-1, firstDetection(ph, 5_000, () -> r.nextDouble() < 0.1 ? 1 : 0));
        PageHinkley.Detection[] hit = new PageHinkley.Detection[1];
        int at = -1;
        for (int i = 0; i < 1_000 && at < 0; i++) {
            hit[0] = ph.add(r.nextDouble() < 0.4 ? 1 : 0);
            if (hit[0] != null) {
                at = i;
            }
        }
        int found = at;
        assertTrue(found >= 0 && found < 200, () -> "detected after " + found + " records of the new rate");
        assertTrue(hit[0].up(), "the error rate went up");
        assertTrue(hit[0].statistic() > LAMBDA);
        assertTrue(hit[0].meanRecent() > hit[0].meanBefore(), hit[0]::toString);
    }

    @Test
    void shouldDetectAConfidenceDropWithin100Records() {
        Random r = new Random(5);
        PageHinkley ph = new PageHinkley(DELTA, LAMBDA, WARMUP);
        assertEquals(-1, firstDetection(ph, 5_000, () -> 0.85 + 0.05 * r.nextGaussian()));
        int at = firstDetection(ph, 1_000, () -> 0.6 + 0.05 * r.nextGaussian());
        assertTrue(at >= 0 && at < 100, "detected after " + at);
    }

    @Test
    void shouldWarmUpAgainAfterAReset() {
        PageHinkley ph = new PageHinkley(DELTA, LAMBDA, 10);
        for (int i = 0; i < 50; i++) {
            ph.add(0);
        }
        assertNotNull(firstDetectionValue(ph));
        ph.reset();
        for (int i = 0; i < 10; i++) {
            assertNull(ph.add(100), "no test during the warm-up");
        }
        assertEquals(10, ph.samples());
    }

    private static PageHinkley.Detection firstDetectionValue(PageHinkley ph) {
        for (int i = 0; i < 1_000; i++) {
            PageHinkley.Detection d = ph.add(1);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    @Test
    void shouldRoundTripItsStateThroughBytes() {
        Random r = new Random(1);
        PageHinkley a = new PageHinkley(DELTA, LAMBDA, WARMUP);
        for (int i = 0; i < 1_000; i++) {
            a.add(r.nextDouble());
        }
        ByteBuffer b = ByteBuffer.allocate(PageHinkley.BYTES);
        a.writeTo(b);
        PageHinkley c = new PageHinkley(DELTA, LAMBDA, WARMUP);
        c.readFrom(ByteBuffer.wrap(b.array()));
        assertEquals(a.samples(), c.samples());
        assertEquals(a.mean(), c.mean());
        assertEquals(a.statistic(), c.statistic());
        assertFalse(c.samples() == 0);
    }
}
