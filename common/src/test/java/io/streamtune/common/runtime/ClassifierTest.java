package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.TestModels;
import io.streamtune.common.nlp.FakeEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTest {

    private static final List<String> LABELS = List.of("bearish", "bullish", "neutral");
    private final FakeEncoder encoder = new FakeEncoder(6);
    private final Backbones backbones = Backbones.create((id, length) -> encoder, null);

    @AfterEach
    void closeBackbones() {
        backbones.close();
    }

    private Classifier open(ModelArtifact a) throws Exception {
        return Classifier.open(a, backbones, 16);
    }

    private ModelArtifact artifact(String kind) {
        return ModelArtifact.of(
                TestModels.meta("tweets", 1, LABELS, "fake", "00"), TestModels.randomHead(kind, 6, 4, 3, 11));
    }

    @Test
    void shouldComputeTheSameProbabilitiesAsAPlainJavaForwardPass() throws Exception {
        for (String kind : List.of("linear", "mlp")) {
            ModelArtifact a = artifact(kind);
            float[][] x = TestModels.randomEmbeddings(20, 6, 3);
            try (Classifier c = open(a)) {
                float[][] p = c.probabilities(x);
                for (int i = 0; i < x.length; i++) {
                    double[] expected = TestModels.forward(a.head(), x[i]);
                    for (int j = 0; j < 3; j++) {
                        assertEquals(expected[j], p[i][j], 1e-5, kind + " row " + i);
                    }
                }
            }
        }
    }

    @Test
    void shouldReturnLabelAndScoresInLabelOrder() throws Exception {
        try (Classifier c = open(artifact("mlp"))) {
            List<Classification> r = c.classify(ModelInput.texts(List.of("up", "down")));
            assertEquals(2, r.size());
            for (Classification k : r) {
                assertEquals(LABELS, new ArrayList<>(k.scores().keySet()));
                assertEquals(LABELS.get(k.labelIndex()), k.label());
                double sum = k.scores().values().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum();
                assertEquals(1.0, sum, 1e-5);
                double max = k.scores().values().stream()
                        .mapToDouble(Double::doubleValue)
                        .max()
                        .orElseThrow();
                assertEquals(max, k.scores().get(k.label()), 0.0);
            }
        }
    }

    @Test
    void shouldNotAccumulateNativeArraysOverOneThousandPredictions() throws Exception {
        try (Classifier c = open(artifact("mlp"))) {
            float[][] x = TestModels.randomEmbeddings(8, 6, 5);
            c.probabilities(x);
            int before = c.liveNativeArrays();
            assertEquals(4, before, "two weights and two biases");
            for (int i = 0; i < 1000; i++) {
                c.classifyEmbeddings(x);
            }
            assertEquals(before, c.liveNativeArrays());
        }
    }

    @Test
    void shouldCountArraysThatStayAttachedSoTheLeakCheckCanFail() throws Exception {
        // Guards the leak test above: the counter must see arrays left in a sub-manager.
        try (Classifier c = open(artifact("linear"))) {
            int before = c.liveNativeArrays();
            ai.djl.ndarray.NDManager leaked = leakSubManager(c);
            leaked.create(new float[] {1f, 2f});
            assertEquals(before + 1, c.liveNativeArrays());
            leaked.close();
            assertEquals(before, c.liveNativeArrays());
        }
    }

    @Test
    void shouldClassifyConcurrentlyWithSameResults() throws Exception {
        try (Classifier c = open(artifact("mlp"))) {
            float[][] x = TestModels.randomEmbeddings(16, 6, 9);
            float[][] expected = c.probabilities(x);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> fs = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    fs.add(pool.submit(() -> c.probabilities(x)));
                }
                for (Future<float[][]> f : fs) {
                    float[][] got = f.get(30, TimeUnit.SECONDS);
                    for (int i = 0; i < x.length; i++) {
                        for (int j = 0; j < 3; j++) {
                            assertEquals(expected[i][j], got[i][j], 1e-6);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(4, c.liveNativeArrays());
        }
    }

    @Test
    void shouldKeepTheSharedFrozenBackboneOpenAfterItsLastClassifierCloses() throws Exception {
        open(artifact("linear")).close();
        open(artifact("mlp")).close();
        assertFalse(encoder.closed, "a frozen backbone is kept for the next version");
        assertEquals(1, backbones.openKeys().size(), "both versions share one backbone");
        backbones.close();
        assertTrue(encoder.closed, "the pool closes what it opened");
    }

    private static ai.djl.ndarray.NDManager leakSubManager(Classifier c) throws Exception {
        java.lang.reflect.Field f = Classifier.class.getDeclaredField("manager");
        f.setAccessible(true);
        return ((ai.djl.ndarray.NDManager) f.get(c)).newSubManager();
    }
}
