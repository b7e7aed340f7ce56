package io.streamtune.trainer.training.finetune;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.FinetunedWeights;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.trainer.training.Labelled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning on a few generated sentences and a few steps: what serving computes from the result equals what the
 * trained model computed, runs repeat with a seed, memory does not grow, a warm start continues.
 */
class FineTunerTest {

    static final String ENCODER = "all-minilm-l6-v2";
    static final List<String> LABELS = List.of("negative", "positive");
    static final int MAX_LENGTH = 32;

    static List<Labelled> examples(int n) {
        String[] good = {"great", "lovely", "excellent", "wonderful", "superb", "friendly"};
        String[] bad = {"awful", "dirty", "terrible", "rude", "broken", "noisy"};
        String[] things = {"room", "staff", "breakfast", "view", "service", "bed"};
        List<Labelled> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean positive = i % 2 == 0;
            String adj = (positive ? good : bad)[(i / 2) % good.length];
            out.add(Labelled.text(
                    "The " + things[(i / 3) % things.length] + " was " + adj + ".",
                    positive ? "positive" : "negative"));
        }
        return out;
    }

    static final List<String> PROBE = List.of(
            "The view was great and the bed was lovely.",
            "Awful, noisy room.",
            "Breakfast was fine I guess",
            "Staff were rude; never again!");

    /** A few large steps so every trained tensor moves well past 1e-4. */
    static FinetuneOptions options(FinetuneMode mode) {
        return FinetuneOptions.defaults(mode)
                .withEpochs(1)
                .withBatchSize(4)
                .withMaxLength(MAX_LENGTH)
                .withLearningRates(mode == FinetuneMode.FULL ? 1e-3 : 1e-2, 1e-2);
    }

    @ParameterizedTest
    @EnumSource(
            value = FinetuneMode.class,
            names = {"BITFIT", "LORA", "FULL"})
    void shouldServeTheProbabilitiesTheTrainedModelComputes(FinetuneMode mode) throws Exception {
        FineTuner tuner = new FineTuner();
        FineTuner.Probed probed = tuner.run(
                ENCODER, null, null, LABELS, examples(12), options(mode), Device.CPU, FinetuneListener.NONE, PROBE);
        FinetuneResult r = probed.result();
        assertEquals(3, r.steps());
        assertEquals(mode.name().toLowerCase(), r.weights().attribute(FinetunedWeights.MODE));
        float[][] served = served(r, true, PROBE);
        float[][] frozen = served(r, false, PROBE);
        double diff = maxAbsDiff(served, probed.probabilities());
        assertTrue(diff < 1e-4, mode + ": served vs trained max abs difference " + diff);
        // The tuned weights really are in the served graph: the frozen encoder gives other probabilities.
        assertTrue(maxAbsDiff(frozen, probed.probabilities()) > 1e-3, mode + ": tuning changed nothing served");
    }

    @Test
    void shouldGiveTheSameWeightsForTheSameSeedAndOthersForAnother() throws Exception {
        FineTuner tuner = new FineTuner();
        FinetuneOptions o = options(FinetuneMode.LORA);
        FinetuneResult a = tuner.tune(ENCODER, null, null, LABELS, examples(8), o, Device.CPU, FinetuneListener.NONE);
        FinetuneResult b = tuner.tune(ENCODER, null, null, LABELS, examples(8), o, Device.CPU, FinetuneListener.NONE);
        FinetuneResult c =
                tuner.tune(ENCODER, null, null, LABELS, examples(8), o.withSeed(7), Device.CPU, FinetuneListener.NONE);
        assertEquals(a.weights().sha256(), b.weights().sha256());
        assertArrayEquals(
                a.head().layers().get(0).weight(), b.head().layers().get(0).weight());
        assertNotEquals(a.weights().sha256(), c.weights().sha256());
    }

    @Test
    void shouldNotGrowNativeArraysOverSteps() throws Exception {
        FineTuner tuner = new FineTuner();
        List<Integer> live = new ArrayList<>();
        tuner.liveArraysProbe = live::add;
        // LoRA keeps it quick; the per-step arrays (gradients, batch arrays) are handled the same in every mode.
        FinetuneOptions o = options(FinetuneMode.LORA).withEpochs(2);
        tuner.tune(ENCODER, null, null, LABELS, examples(16), o, Device.CPU, FinetuneListener.NONE);
        assertEquals(8, live.size());
        // Parameters and AdamW state only, the same after every step.
        assertTrue(live.stream().allMatch(n -> n.equals(live.get(0))), "live native arrays per step: " + live);
    }

    @Test
    void shouldContinueFromAWarmStartExactlyWhereItEnded() throws Exception {
        FineTuner tuner = new FineTuner();
        List<Labelled> data = examples(8);
        FinetuneResult first = tuner.tune(
                ENCODER, null, null, LABELS, data, options(FinetuneMode.LORA), Device.CPU, FinetuneListener.NONE);
        // The loss of the continuing run's first batch (all 8 examples, before its update)...
        double[] firstLoss = {Double.NaN};
        FinetuneOptions one = options(FinetuneMode.LORA).withBatchSize(8);
        tuner.tune(ENCODER, first.weights(), first.head(), LABELS, data, one, Device.CPU, (step, total, loss) -> {
            if (step == 1) {
                firstLoss[0] = loss;
            }
        });
        // ...equals the served previous result's loss on them.
        List<String> texts = data.stream()
                .map(l -> ((io.streamtune.common.model.ModelInput.Text) l.input()).text())
                .toList();
        double expected = 0;
        float[][] p = served(first, true, texts);
        for (int i = 0; i < data.size(); i++) {
            expected -= Math.log(p[i][LABELS.indexOf(data.get(i).label())]);
        }
        expected /= data.size();
        assertEquals(expected, firstLoss[0], 1e-4);
    }

    @Test
    void shouldRefuseAWarmStartOfAnotherMode() throws Exception {
        FineTuner tuner = new FineTuner();
        FinetuneResult bitfit = tuner.tune(
                ENCODER,
                null,
                null,
                LABELS,
                examples(4),
                options(FinetuneMode.BITFIT),
                Device.CPU,
                FinetuneListener.NONE);
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> tuner.tune(
                        ENCODER,
                        bitfit.weights(),
                        null,
                        LABELS,
                        examples(4),
                        options(FinetuneMode.LORA),
                        Device.CPU,
                        FinetuneListener.NONE));
        assertTrue(e.getMessage().contains("BITFIT"), e.getMessage());
    }

    @Test
    void shouldRefuseModeNoneAndUnknownLabels() {
        FineTuner tuner = new FineTuner();
        assertThrows(
                IllegalArgumentException.class,
                () -> tuner.tune(
                        ENCODER,
                        null,
                        null,
                        LABELS,
                        examples(4),
                        options(FinetuneMode.NONE),
                        Device.CPU,
                        FinetuneListener.NONE));
        List<Labelled> bad = List.of(Labelled.text("x", "neutral"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> tuner.tune(
                        ENCODER,
                        null,
                        null,
                        LABELS,
                        bad,
                        options(FinetuneMode.LORA),
                        Device.CPU,
                        FinetuneListener.NONE));
        assertTrue(e.getMessage().contains("neutral"));
    }

    /**
     * The probabilities a scorer serves for {@code texts} from a version holding this result, through the path the
     * scorer takes ({@code Backbones.acquire} of the version's backbone, {@code Classifier.open}), with the tuned
     * weights or (tuned false) the frozen encoder under the same head.
     */
    static float[][] served(FinetuneResult r, boolean tuned, List<String> texts) throws Exception {
        try (Backbones pool = Backbones.opening(1, null)) {
            BackboneRef frozen;
            try (Backbones.Lease base = pool.frozenText(ENCODER, MAX_LENGTH)) {
                frozen = base.ref();
            }
            BackboneRef ref =
                    tuned ? r.backbone(ENCODER, frozen.baseSha256(), MAX_LENGTH, Long.MAX_VALUE, null) : frozen;
            ModelVersion meta = new ModelVersion(
                    ModelVersion.FORMAT_VERSION,
                    "t",
                    1,
                    null,
                    ENCODER,
                    frozen.baseSha256(),
                    LABELS,
                    null,
                    List.of(),
                    0L,
                    "test");
            try (Classifier c = Classifier.open(ModelArtifact.of(meta, ref, r.head()), pool, MAX_LENGTH)) {
                List<ModelInput> inputs =
                        texts.stream().<ModelInput>map(ModelInput.Text::new).toList();
                return c.probabilities(c.backbone().features(inputs));
            }
        }
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < a[i].length; k++) {
                max = Math.max(max, Math.abs(a[i][k] - b[i][k]));
            }
        }
        return max;
    }
}
