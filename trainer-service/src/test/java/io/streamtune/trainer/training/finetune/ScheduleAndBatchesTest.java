package io.streamtune.trainer.training.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.streamtune.common.nlp.EncoderTokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleAndBatchesTest {

    @Test
    void shouldWarmUpLinearlyThenDecayToZero() {
        LinearWarmupDecay s = LinearWarmupDecay.of(100, 0.1);
        assertEquals(10, s.warmup());
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(5), 1e-12);
        assertEquals(1.0, s.factor(10), 1e-12);
        assertEquals(0.5, s.factor(55), 1e-12);
        assertEquals(1.0 / 90, s.factor(99), 1e-12);
        assertEquals(1.0, LinearWarmupDecay.of(4, 0).factor(0), 1e-12);
    }

    @Test
    void shouldSeeEveryExampleOncePerEpochInBatchesOfSimilarLength() {
        int n = 200;
        EncoderTokenizer.Tokens[] tokens = new EncoderTokenizer.Tokens[n];
        Random lengths = new Random(3);
        for (int i = 0; i < n; i++) {
            tokens[i] = new EncoderTokenizer.Tokens(new long[2 + lengths.nextInt(60)], new long[0]);
        }
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        List<int[]> a = FineTuner.lengthGroupedBatches(order.clone(), tokens, 8, new Random(1));
        List<int[]> b = FineTuner.lengthGroupedBatches(order.clone(), tokens, 8, new Random(1));
        assertEquals(25, a.size());
        List<Integer> seen = new ArrayList<>();
        int spreadSum = 0;
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Arrays.equals(a.get(i), b.get(i)), "same seed, same batches");
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int r : a.get(i)) {
                seen.add(r);
                min = Math.min(min, tokens[r].ids().length);
                max = Math.max(max, tokens[r].ids().length);
            }
            spreadSum += max - min;
        }
        assertEquals(n, seen.size());
        assertEquals(n, seen.stream().distinct().count());
        // Random batches of 8 over lengths 2..61 spread about 45 tokens; grouped ones a few.
        assertTrue(spreadSum / a.size() < 15, "mean length spread in a batch " + spreadSum / a.size());
    }
}
