package io.streamtune.common.nlp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.streamtune.common.config.LoraTarget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration and names read from the shipped files (figures from each model's published config.json). */
class BertWeightsTest {

    @ParameterizedTest
    @CsvSource({
        "all-minilm-l6-v2, 30522, 384, 6, 12, 1536",
        "bge-small-en-v1.5, 30522, 384, 12, 12, 1536",
        "bge-small-zh-v1.5, 21128, 512, 4, 8, 2048"
    })
    void shouldReadTheConfigurationAndNameEveryMatrix(
            String id, int vocab, int hidden, int layers, int heads, int intermediate) throws Exception {
        BertWeights w = BertWeights.load(id);
        BertConfig c = w.config();
        assertEquals(vocab, c.vocabSize());
        assertEquals(hidden, c.hidden());
        assertEquals(layers, c.layers());
        assertEquals(heads, c.heads());
        assertEquals(intermediate, c.intermediate());
        assertEquals(512, c.maxPositions());
        assertEquals(1e-12, c.layerNormEps(), 1e-15);
        assertTrue(c.maskValue() < -1e4, "mask value " + c.maskValue());
        assertEquals(EncoderFiles.onnx(id).sha256(), w.sha256());
        String last = BertWeights.module(layers - 1, LoraTarget.INTERMEDIATE);
        assertArrayEquals(new int[] {hidden, intermediate}, w.matrixShape(last));
        assertTrue(w.onnxName(BertWeights.matrix(last)).startsWith("onnx::MatMul"));
        assertEquals(BertWeights.bias(last), w.onnxName(BertWeights.bias(last)));
        // 3 embeddings + LayerNorm (2) + per layer 6 matrices, 6 biases, 2 LayerNorms (4)
        assertEquals(5 + layers * 16, w.names().size());
        assertEquals(1 + layers * 8, w.biasNames().size());
    }
}
