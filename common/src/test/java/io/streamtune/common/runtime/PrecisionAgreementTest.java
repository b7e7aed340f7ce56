package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.streamtune.common.config.EncoderPrecisions;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.Precision;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code encoder.precision: int8} changes the encoder, not the decisions: one head served on the fp32
 * encoder and on its int8 export, through {@link Classifier} as the scorer serves it, labels a fixed
 * set of sentences the same way at least 99% of the time. The head is a nearest-centroid one (each
 * label's weights are the mean fp32 embedding of its training sentences less the mean of all), so no
 * training noise enters the comparison: what differs is the quantisation alone.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PrecisionAgreementTest {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final String[] SUBJECTS = {
        "the room",
        "the staff",
        "the breakfast",
        "the delivery",
        "this phone",
        "the battery",
        "the checkout",
        "the pool",
        "the wifi",
        "the movie",
        "the manager",
        "the food"
    };
    private static final String[] GOOD = {
        "was wonderful",
        "exceeded our expectations",
        "was friendly and helpful",
        "works perfectly",
        "was spotless",
        "made our stay a joy",
        "is worth every penny",
        "arrived early and intact"
    };
    private static final String[] BAD = {
        "was a total disappointment",
        "was dirty and noisy",
        "broke after two days",
        "was rude and slow",
        "is a waste of money",
        "smelled of smoke",
        "arrived damaged",
        "never worked at all"
    };
    private static final String[] TAILS = {
        ".", "!", " during our second week there.", " on the first day.", " this time.", ", to be honest."
    };

    /** A fixed labelled set: seeded, label 1 for the positive verdicts. */
    private static List<Object[]> sentences(int n, long seed) {
        Random r = new Random(seed);
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(2);
            String[] verdicts = label == 1 ? GOOD : BAD;
            String s = SUBJECTS[r.nextInt(SUBJECTS.length)] + " " + verdicts[r.nextInt(verdicts.length)]
                    + TAILS[r.nextInt(TAILS.length)];
            out.add(new Object[] {Character.toUpperCase(s.charAt(0)) + s.substring(1), label});
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v1.5"})
    void shouldAgreeOnAtLeast99PercentOfAFixedSetBetweenInt8AndFp32(String fp32) throws Exception {
        String int8 = EncoderPrecisions.atPrecision(fp32, Precision.INT8).orElseThrow();
        List<Object[]> train = sentences(120, 1);
        List<Object[]> test = sentences(400, 2);
        try (Backbones backbones = Backbones.opening(1, null);
                Backbones.Lease full = backbones.frozenText(fp32, 128);
                Backbones.Lease quantised = backbones.frozenText(int8, 128)) {
            assertNotEquals(
                    full.backbone().key(), quantised.backbone().key(), "precision is part of the backbone's key");
            int d = full.backbone().dimension();
            float[][] features = full.backbone()
                    .features(ModelInput.texts(
                            train.stream().map(o -> (String) o[0]).toList()));
            float[][] centroid = new float[LABELS.size()][d];
            float[] mean = new float[d];
            int[] count = new int[LABELS.size()];
            for (int i = 0; i < train.size(); i++) {
                int label = (Integer) train.get(i)[1];
                count[label]++;
                for (int k = 0; k < d; k++) {
                    centroid[label][k] += features[i][k];
                    mean[k] += features[i][k] / train.size();
                }
            }
            float[] weight = new float[d * LABELS.size()]; // [in, out]
            for (int c = 0; c < LABELS.size(); c++) {
                for (int k = 0; k < d; k++) {
                    weight[k * LABELS.size() + c] = centroid[c][k] / count[c] - mean[k];
                }
            }
            HeadWeights head = new HeadWeights(
                    HeadKind.LINEAR,
                    List.of(new HeadWeights.Layer(d, LABELS.size(), weight, new float[LABELS.size()])));
            List<String> texts = test.stream().map(o -> (String) o[0]).toList();
            List<Classification> a;
            List<Classification> b;
            try (Classifier onFp32 = Classifier.open(artifact(full.ref(), head), backbones, 128);
                    Classifier onInt8 = Classifier.open(artifact(quantised.ref(), head), backbones, 128)) {
                a = onFp32.classify(ModelInput.texts(texts));
                b = onInt8.classify(ModelInput.texts(texts));
            }
            int agree = 0;
            int correct = 0;
            for (int i = 0; i < texts.size(); i++) {
                agree += a.get(i).labelIndex() == b.get(i).labelIndex() ? 1 : 0;
                correct += a.get(i).labelIndex() == (Integer) test.get(i)[1] ? 1 : 0;
            }
            System.out.printf(
                    "[precision] %s vs %s: agree on %d of %d, fp32 correct %d%n",
                    fp32, int8, agree, texts.size(), correct);
            assertTrue(agree >= 0.99 * texts.size(), "int8 and fp32 agree on " + agree + " of " + texts.size());
            assertTrue(
                    correct >= 0.75 * texts.size(),
                    "the head must be a real classifier: " + correct + " of " + texts.size());
            assertEquals(texts.size(), a.size());
        }
    }

    private static ModelArtifact artifact(io.streamtune.common.model.BackboneRef ref, HeadWeights head) {
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                "precision",
                1,
                null,
                ref.id(),
                ref.baseSha256(),
                LABELS,
                null,
                List.of(),
                0,
                "nearest centroid");
        return ModelArtifact.of(meta, ref, head);
    }
}
