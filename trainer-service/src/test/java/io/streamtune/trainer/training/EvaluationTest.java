package io.streamtune.trainer.training;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.streamtune.common.model.ModelMetrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluationTest {

    private static final List<String> LABELS = List.of("neg", "pos", "neu");

    @Test
    void shouldComputeConfusionPrecisionRecallAndMacroF1() {
        int[] truth = {0, 0, 0, 1, 1, 2};
        int[] pred = {0, 0, 1, 1, 1, 1};
        Evaluation e = Evaluation.of(LABELS, truth, pred);
        assertArrayEquals(new int[] {2, 1, 0}, e.confusion()[0]);
        assertArrayEquals(new int[] {0, 2, 0}, e.confusion()[1]);
        assertArrayEquals(new int[] {0, 1, 0}, e.confusion()[2]);
        assertEquals(4.0 / 6, e.accuracy(), 1e-12);
        assertEquals(1.0, e.precision(0), 1e-12);
        assertEquals(2.0 / 3, e.recall(0), 1e-12);
        assertEquals(0.5, e.precision(1), 1e-12);
        assertEquals(1.0, e.recall(1), 1e-12);
        assertEquals(0.0, e.f1(2), 1e-12);
        double f0 = 2 * 1.0 * (2.0 / 3) / (1 + 2.0 / 3);
        double f1 = 2 * 0.5 / 1.5;
        assertEquals((f0 + f1 + 0) / 3, e.macroF1(), 1e-12);
        ModelMetrics m = e.toMetrics();
        assertEquals(6, m.holdoutSize());
        assertEquals(LABELS, List.copyOf(m.f1PerLabel().keySet()));
    }

    @Test
    void shouldReportEveryLabelAndTheMatrix() {
        Evaluation e = Evaluation.of(LABELS, new int[] {0, 1, 2}, new int[] {0, 1, 1});
        String r = e.report();
        for (String l : LABELS) {
            assertTrue(r.contains(l), r);
        }
        assertTrue(r.contains("confusion"), r);
        assertTrue(r.contains("0.6667"), r);
    }
}
