package io.streamtune.common.nlp;

import java.util.OptionalDouble;

/**
 * The dimensions and constants of a BERT encoder, read from its ONNX graph (not from a config file: the graph is
 * what serving runs).
 *
 * @param vocabSize rows of the word embedding
 * @param hidden width of every token vector
 * @param layers number of encoder layers
 * @param heads attention heads per layer ({@code hidden / headDim})
 * @param intermediate width of the feed-forward block
 * @param maxPositions rows of the position embedding (longest sequence)
 * @param typeVocabSize rows of the token-type embedding
 * @param layerNormEps epsilon inside every LayerNorm's square root
 * @param maskValue what a masked key adds to the attention scores (Hugging Face: the smallest float32, or -10000
 *     in older exports)
 */
public record BertConfig(
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int intermediate,
        int maxPositions,
        int typeVocabSize,
        double layerNormEps,
        double maskValue) {

    /** Width of one attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /**
     * Reads the configuration from a BERT graph exported from Hugging Face transformers: shapes from the
     * initializers; the head width from the scale the first attention divides its scores by (sqrt(headDim)); the
     * LayerNorm epsilon from the constant added under the first square root; the mask value from the constant the
     * inverted attention mask is multiplied by.
     *
     * @throws IllegalArgumentException if the graph is not shaped like such an export
     */
    static BertConfig of(OnnxGraph g) {
        OnnxGraph.Tensor words = require(g, "embeddings.word_embeddings.weight");
        OnnxGraph.Tensor positions = require(g, "embeddings.position_embeddings.weight");
        OnnxGraph.Tensor types = require(g, "embeddings.token_type_embeddings.weight");
        OnnxGraph.Tensor inter = require(g, "encoder.layer.0.intermediate.dense.bias");
        int hidden = (int) words.dims()[1];
        int layers = 0;
        while (g.initializer("encoder.layer." + layers + ".output.LayerNorm.weight") != null) {
            layers++;
        }
        OnnxGraph.Node softmax = first(g, "Softmax");
        OnnxGraph.Node scores = producer(g, softmax.inputs().get(0), "Add", "the input of the first Softmax");
        double scale = Double.NaN;
        double mask = Double.NaN;
        for (String in : scores.inputs()) {
            OnnxGraph.Node p = g.producer(in).orElse(null);
            if (p == null) {
                continue;
            }
            if (p.opType().equals("Div")) {
                scale = constant(g, p, "the attention scale");
            } else if (p.opType().equals("Mul")) {
                mask = constant(g, p, "the attention mask value");
            }
        }
        if (Double.isNaN(scale) || Double.isNaN(mask)) {
            throw new IllegalArgumentException("attention scores are not Div(QK, scale) + Mul(mask, value)");
        }
        int headDim = (int) Math.round(scale * scale);
        OnnxGraph.Node sqrt = first(g, "Sqrt");
        OnnxGraph.Node varPlusEps = producer(g, sqrt.inputs().get(0), "Add", "the input of the first Sqrt");
        double eps = constant(g, varPlusEps, "the LayerNorm epsilon");
        if (layers == 0 || headDim < 1 || hidden % headDim != 0) {
            throw new IllegalArgumentException(
                    "inconsistent BERT graph: " + layers + " layers, hidden " + hidden + ", head width " + headDim);
        }
        return new BertConfig(
                (int) words.dims()[0],
                hidden,
                layers,
                hidden / headDim,
                (int) inter.dims()[0],
                (int) positions.dims()[0],
                (int) types.dims()[0],
                eps,
                mask);
    }

    private static OnnxGraph.Tensor require(OnnxGraph g, String name) {
        OnnxGraph.Tensor t = g.initializer(name);
        if (t == null) {
            throw new IllegalArgumentException("not a BERT graph: no initializer " + name);
        }
        return t;
    }

    private static OnnxGraph.Node first(OnnxGraph g, String op) {
        return g.nodes().stream()
                .filter(n -> n.opType().equals(op))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not a BERT graph: no " + op + " node"));
    }

    private static OnnxGraph.Node producer(OnnxGraph g, String value, String op, String what) {
        OnnxGraph.Node p = g.producer(value).orElse(null);
        if (p == null || !p.opType().equals(op)) {
            throw new IllegalArgumentException("not a BERT graph: " + what + " is not produced by " + op);
        }
        return p;
    }

    /** The one scalar constant among a node's inputs. */
    private static double constant(OnnxGraph g, OnnxGraph.Node n, String what) {
        for (String in : n.inputs()) {
            OptionalDouble v = g.scalar(in);
            if (v.isPresent()) {
                return v.getAsDouble();
            }
        }
        throw new IllegalArgumentException("not a BERT graph: no constant for " + what + " in " + n.name());
    }
}
