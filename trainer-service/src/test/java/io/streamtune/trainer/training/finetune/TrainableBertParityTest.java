package io.streamtune.trainer.training.finetune;

import java.util.List;
import java.util.Random;
import java.util.Set;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.LoraTarget;
import io.streamtune.common.nlp.BertWeights;
import io.streamtune.common.nlp.EncoderSpec;
import io.streamtune.common.nlp.EncoderTokenizer;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.PaddedBatch;
import io.streamtune.common.nlp.TextEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainable DJL copy computes what ONNX Runtime computes from the same file, for every fp32 encoder. */
class TrainableBertParityTest {

    static final List<String> ENGLISH = List.of(
            "The hotel room was clean and the staff were friendly.",
            "Shares of ACME plunge 12% after the CEO resigns",
            "ok",
            "I would not recommend this product to anyone; it broke after two days of normal use and support never answered.");
    static final List<String> CHINESE = List.of(
            "酒店的位置很好，房间干净，服务也很周到。",
            "早餐太差了，WiFi 也连不上，不会再来。",
            "The Room was OK but the Breakfast was NOT good",
            "性价比高 Great Value, 推荐!");

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5"})
    void shouldMatchOnnxRuntimeEmbeddingsWithin1eMinus4(String id) throws Exception {
        List<String> texts = id.contains("zh") ? CHINESE : ENGLISH;
        EncoderSpec spec = Encoders.spec(id).orElseThrow();
        float[][] expected;
        try (TextEncoder ort = Encoders.open(id, 128, 1)) {
            expected = ort.encode(texts);
        }
        BertWeights base = BertWeights.load(id);
        float[][] actual = new float[texts.size()][];
        try (EncoderTokenizer tokenizer = Encoders.openTokenizer(id, 128);
                TrainableBert model = TrainableBert.create(
                        base,
                        id,
                        spec.pooling(),
                        FinetuneMode.FULL,
                        4,
                        8,
                        Set.of(LoraTarget.QUERY),
                        null,
                        null,
                        2,
                        Device.cpu(),
                        new Random(1),
                        false)) {
            boolean previous = Autograd.record(false);
            try {
                for (PaddedBatch b : tokenizer.lengthSortedBatches(texts, 3)) {
                    try (NDManager bm = model.manager().newSubManager()) {
                        float[] flat = model.embeddings(bm, b).toFloatArray();
                        int h = spec.dimension();
                        for (int i = 0; i < b.size(); i++) {
                            actual[b.rows()[i]] = java.util.Arrays.copyOfRange(flat, i * h, (i + 1) * h);
                        }
                    }
                }
            } finally {
                Autograd.record(previous);
            }
        }
        double max = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(expected[i].length, actual[i].length);
            for (int k = 0; k < expected[i].length; k++) {
                max = Math.max(max, Math.abs(expected[i][k] - actual[i][k]));
            }
        }
        assertTrue(max < 1e-4, id + ": max abs difference " + max);
    }
}
