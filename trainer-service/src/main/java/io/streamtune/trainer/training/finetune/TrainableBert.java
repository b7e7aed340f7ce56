package io.streamtune.trainer.training.finetune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.LoraTarget;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.nlp.BertConfig;
import io.streamtune.common.nlp.BertWeights;
import io.streamtune.common.nlp.FinetunedWeights;
import io.streamtune.common.nlp.PaddedBatch;
import io.streamtune.common.nlp.Pooling;

/**
 * A trainable copy of a shipped BERT encoder plus a classification head, on DJL's PyTorch engine, computing what the
 * ONNX graph computes: embeddings (word + position + token type) and LayerNorm, then per layer multi-head
 * self-attention with the additive mask, output projection, residual and LayerNorm, a GELU (erf) feed-forward
 * block, residual and LayerNorm; then the encoder's pooling (CLS or mask-weighted mean), L2 normalisation and the
 * head (as {@link io.streamtune.common.model.Classifier} applies {@link HeadWeights}).
 *
 * <p>Which weights train depends on the mode: BitFit every bias term, LoRA the low-rank factors of the chosen
 * matrices (initialised as Hu et al., 2021: A uniform in +-1/sqrt(in), B zero, so training starts at the base
 * model), full every weight; the head always.
 *
 * <p>Memory: parameters and optimiser state live in this model's manager and are updated in place. Every array
 * computed during a step comes from the caller's per-batch manager: each chain starts from a batch array (results
 * take the manager of their left operand), and the few arrays made from a parameter (its gradient, a float16 copy)
 * are attached to the batch manager at once. {@link #liveArrays()} counts what the model's manager holds.
 */
final class TrainableBert implements AutoCloseable {

    static final String ENGINE = "PyTorch";

    /** One trainable array with its AdamW state. */
    record Param(String name, NDArray value, NDArray m, NDArray v, boolean decay, boolean head) {}

    private final BertConfig config;
    private final Pooling pooling;
    private final FinetuneMode mode;
    private final NDManager manager;
    private final Map<String, NDArray> weights = new LinkedHashMap<>();
    private final Map<String, NDArray[]> lora = new LinkedHashMap<>();
    private final int loraRank;
    private final double loraAlpha;
    private final Set<LoraTarget> loraTargets;
    private final HeadKind headKind;
    private final List<NDArray> headWeights = new ArrayList<>();
    private final List<NDArray> headBiases = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();
    private final boolean half;

    private TrainableBert(
            BertConfig config,
            Pooling pooling,
            FinetuneMode mode,
            Device device,
            int loraRank,
            double loraAlpha,
            Set<LoraTarget> loraTargets,
            HeadKind headKind,
            boolean half) {
        this.config = config;
        this.pooling = pooling;
        this.mode = mode;
        this.manager = Engine.getEngine(ENGINE).newBaseManager(device);
        manager.setName("finetune-" + mode.name().toLowerCase(java.util.Locale.ROOT));
        this.loraRank = loraRank;
        this.loraAlpha = loraAlpha;
        this.loraTargets = loraTargets;
        this.headKind = headKind;
        this.half = half;
    }

    /**
     * Builds the model: base weights, then the warm start's tensors (same mode: its trained tensors; full over any
     * mode: the warm start's merged weights), then adapters and head.
     *
     * @param warmStart a previous result of this encoder, or null
     * @param warmHead a head to continue from (its input must be the encoder width), or null for a new linear head
     * @param random seeds LoRA's A and a new head
     * @param half run the encoder's matrix products in float16 (mixed precision)
     * @throws ArtifactException if the warm start does not fit the base or the mode
     */
    static TrainableBert create(
            BertWeights base,
            String encoderId,
            Pooling pooling,
            FinetuneMode mode,
            int loraRank,
            double loraAlpha,
            Set<LoraTarget> loraTargets,
            TensorPack warmStart,
            HeadWeights warmHead,
            int numLabels,
            Device device,
            Random random,
            boolean half)
            throws ArtifactException {
        if (mode == FinetuneMode.NONE) {
            throw new IllegalArgumentException("fine-tuning needs mode bitfit, lora or full, not none");
        }
        Map<String, TensorPack.Tensor> start = new LinkedHashMap<>();
        Map<String, TensorPack.Tensor> warmLora = Map.of();
        int rank = loraRank;
        double alpha = loraAlpha;
        Set<LoraTarget> targets = loraTargets;
        if (warmStart != null) {
            FinetunedWeights.check(warmStart, encoderId, base);
            FinetuneMode warmMode = FinetunedWeights.mode(warmStart);
            if (warmMode != mode && mode != FinetuneMode.FULL) {
                throw new ArtifactException(
                        ArtifactException.Reason.MALFORMED,
                        "cannot continue " + mode + " fine-tuning from " + warmMode
                                + " weights (only full fine-tuning continues from any mode)");
            }
            if (warmMode == FinetuneMode.LORA && mode == FinetuneMode.LORA) {
                // Continue the adapters themselves: rank, alpha and targets come from the warm start.
                rank = FinetunedWeights.loraRank(warmStart);
                alpha = FinetunedWeights.loraScale(warmStart) * rank;
                targets = FinetunedWeights.loraTargets(warmStart);
                warmLora = warmStart.tensors();
            } else {
                Map<String, TensorPack.Tensor> byOnnx = FinetunedWeights.overrides(warmStart, encoderId, base);
                for (String name : base.names()) {
                    TensorPack.Tensor t = byOnnx.get(base.onnxName(name));
                    if (t != null) {
                        start.put(name, t);
                    }
                }
            }
        }
        BertConfig config = base.config();
        HeadKind headKind = warmHead == null ? HeadKind.LINEAR : warmHead.kind();
        TrainableBert m = new TrainableBert(config, pooling, mode, device, rank, alpha, targets, headKind, half);
        try {
            for (String name : base.names()) {
                TensorPack.Tensor t = start.getOrDefault(name, base.tensor(name));
                NDArray a = m.manager.create(t.values(), new Shape(longs(t.shape())));
                m.weights.put(name, a);
                boolean trains = mode == FinetuneMode.FULL || (mode == FinetuneMode.BITFIT && name.endsWith(".bias"));
                if (trains) {
                    m.addParam(name, a, decays(name), false);
                }
            }
            if (mode == FinetuneMode.LORA) {
                for (int l = 0; l < config.layers(); l++) {
                    for (LoraTarget target : targets) {
                        String module = BertWeights.module(l, target);
                        int[] shape = base.matrixShape(module);
                        float[] a = warmLora.isEmpty()
                                ? uniform(random, shape[0] * rank, 1.0 / Math.sqrt(shape[0]))
                                : warmLora.get(BertWeights.loraA(module)).values();
                        float[] b = warmLora.isEmpty()
                                ? new float[rank * shape[1]]
                                : warmLora.get(BertWeights.loraB(module)).values();
                        NDArray aa = m.manager.create(a, new Shape(shape[0], rank));
                        NDArray bb = m.manager.create(b, new Shape(rank, shape[1]));
                        m.lora.put(module, new NDArray[] {aa, bb});
                        m.addParam(BertWeights.loraA(module), aa, true, false);
                        m.addParam(BertWeights.loraB(module), bb, true, false);
                    }
                }
            }
            HeadWeights head = warmHead != null ? warmHead : newLinearHead(config.hidden(), numLabels, random);
            if (head.inputDimension() != config.hidden() || head.outputDimension() != numLabels) {
                throw new ArtifactException(
                        ArtifactException.Reason.SHAPE_MISMATCH,
                        "head " + head.inputDimension()
                                + "->" + head.outputDimension() + " does not fit encoder width " + config.hidden()
                                + " and "
                                + numLabels + " labels");
            }
            int i = 0;
            for (HeadWeights.Layer layer : head.layers()) {
                NDArray w = m.manager.create(layer.weight(), new Shape(layer.in(), layer.out()));
                NDArray b = m.manager.create(layer.bias(), new Shape(layer.out()));
                m.headWeights.add(w);
                m.headBiases.add(b);
                m.addParam("head." + i + ".weight", w, true, true);
                m.addParam("head." + i + ".bias", b, false, true);
                i++;
            }
            return m;
        } catch (ArtifactException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Decoupled weight decay for matrices, not for biases, LayerNorm gains or embeddings' LayerNorm. */
    private static boolean decays(String name) {
        return !name.endsWith(".bias") && !name.contains("LayerNorm");
    }

    private void addParam(String name, NDArray value, boolean decay, boolean head) {
        value.setRequiresGradient(true);
        NDArray m = manager.zeros(value.getShape());
        NDArray v = manager.zeros(value.getShape());
        params.add(new Param(name, value, m, v, decay, head));
    }

    private static HeadWeights newLinearHead(int in, int out, Random random) {
        // Xavier-uniform weights, zero bias, as HeadTrainer initialises a new head.
        float[] w = uniform(random, in * out, Math.sqrt(6.0 / (in + out)));
        return new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(in, out, w, new float[out])));
    }

    private static float[] uniform(Random random, int n, double limit) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return v;
    }

    private static long[] longs(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    /** The trainable arrays and their optimiser state. */
    List<Param> params() {
        return Collections.unmodifiableList(params);
    }

    /** The model's manager (parameters and optimiser state). */
    NDManager manager() {
        return manager;
    }

    /** Whether matrix products run in float16. */
    boolean half() {
        return half;
    }

    /**
     * Pooled, L2-normalised sentence embeddings {@code [batch, hidden]}, every array in {@code bm}.
     */
    NDArray embeddings(NDManager bm, PaddedBatch b) {
        int n = b.size();
        int t = b.length();
        int h = config.hidden();
        NDArray ids = bm.create(flatten(b.ids()), new Shape(n, t));
        NDArray types = bm.create(flatten(b.types()), new Shape(n, t));
        long[] pos = new long[t];
        for (int j = 0; j < t; j++) {
            pos[j] = j;
        }
        NDArray positions = bm.create(pos, new Shape(t));
        NDArray x = embed(ids, "embeddings.word_embeddings.weight")
                .add(embed(types, "embeddings.token_type_embeddings.weight"))
                .add(embed(positions, "embeddings.position_embeddings.weight"));
        x = layerNorm(x, "embeddings.LayerNorm");
        float[] maskValues = new float[n * t];
        float[] maskAdd = new float[n * t];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < t; j++) {
                maskValues[i * t + j] = b.mask()[i][j];
                maskAdd[i * t + j] = b.mask()[i][j] == 0 ? (float) config.maskValue() : 0f;
            }
        }
        NDArray additive = bm.create(maskAdd, new Shape(n, 1, 1, t));
        for (int l = 0; l < config.layers(); l++) {
            x = layer(bm, x, additive, l, n, t);
        }
        NDArray pooled;
        if (pooling == Pooling.CLS) {
            pooled = x.get(":, 0, :");
        } else {
            NDArray mask = bm.create(maskValues, new Shape(n, t));
            pooled = x.mul(mask.expandDims(2))
                    .sum(new int[] {1})
                    .div(mask.sum(new int[] {1}, true).maximum(1f));
        }
        NDArray norm = pooled.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f);
        return pooled.div(norm).reshape(n, h);
    }

    /** Head logits {@code [batch, labels]} on top of {@link #embeddings}. */
    NDArray logits(NDManager bm, PaddedBatch b) {
        NDArray h = embeddings(bm, b);
        for (int i = 0; i < headWeights.size(); i++) {
            h = h.matMul(headWeights.get(i)).add(headBiases.get(i));
            if (i < headWeights.size() - 1) {
                h = h.maximum(0f);
            }
        }
        return h;
    }

    private NDArray layer(NDManager bm, NDArray x, NDArray additiveMask, int l, int n, int t) {
        int heads = config.heads();
        int d = config.headDim();
        String p = "encoder.layer." + l + ".";
        NDArray q = dense(bm, x, l, LoraTarget.QUERY).reshape(n, t, heads, d).transpose(0, 2, 1, 3);
        NDArray k = dense(bm, x, l, LoraTarget.KEY).reshape(n, t, heads, d).transpose(0, 2, 3, 1);
        NDArray v = dense(bm, x, l, LoraTarget.VALUE).reshape(n, t, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k).div((float) Math.sqrt(d)).add(additiveMask);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(n, t, config.hidden());
        NDArray attention =
                layerNorm(dense(bm, context, l, LoraTarget.ATTENTION_OUTPUT).add(x), p + "attention.output.LayerNorm");
        NDArray inner = dense(bm, attention, l, LoraTarget.INTERMEDIATE);
        inner = inner.getNDArrayInternal().gelu();
        return layerNorm(dense(bm, inner, l, LoraTarget.OUTPUT).add(attention), p + "output.LayerNorm");
    }

    /** {@code x W + b}, plus {@code (alpha / r) x A B} where the module has adapters. */
    private NDArray dense(NDManager bm, NDArray x, int layer, LoraTarget target) {
        String module = BertWeights.module(layer, target);
        NDArray y = matMul(bm, x, weights.get(BertWeights.matrix(module))).add(weights.get(BertWeights.bias(module)));
        NDArray[] ab = lora.get(module);
        if (ab != null) {
            y = y.add(matMul(bm, matMul(bm, x, ab[0]), ab[1]).mul((float) (loraAlpha / loraRank)));
        }
        return y;
    }

    private NDArray matMul(NDManager bm, NDArray x, NDArray w) {
        if (!half) {
            return x.matMul(w);
        }
        NDArray w16 = w.toType(DataType.FLOAT16, false);
        w16.attach(bm); // made from a parameter: belongs to the model's manager until attached
        return x.toType(DataType.FLOAT16, false).matMul(w16).toType(DataType.FLOAT32, false);
    }

    private NDArray embed(NDArray ids, String table) {
        return ids.getNDArrayInternal()
                .embedding(ids, weights.get(table), SparseFormat.DENSE)
                .singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String prefix) {
        NDList out = x.getNDArrayInternal()
                .layerNorm(
                        x,
                        new Shape(config.hidden()),
                        weights.get(prefix + ".weight"),
                        weights.get(prefix + ".bias"),
                        (float) config.layerNormEps());
        return out.singletonOrThrow();
    }

    private static long[] flatten(long[][] rows) {
        int t = rows.length == 0 ? 0 : rows[0].length;
        long[] out = new long[rows.length * t];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * t, t);
        }
        return out;
    }

    /**
     * The trained encoder weights as a fine-tuning result: BitFit the biases, LoRA the factors and their
     * attributes, full every weight.
     */
    TensorPack exportWeights(String encoderId, String baseSha256) {
        TensorPack.Builder b = TensorPack.builder()
                .attribute(FinetunedWeights.MODE, mode.name().toLowerCase(java.util.Locale.ROOT))
                .attribute(FinetunedWeights.BASE_ENCODER, encoderId)
                .attribute(FinetunedWeights.BASE_SHA256, baseSha256);
        if (mode == FinetuneMode.LORA) {
            b.attribute(FinetunedWeights.LORA_RANK, Integer.toString(loraRank))
                    .attribute(FinetunedWeights.LORA_ALPHA, Double.toString(loraAlpha))
                    .attribute(FinetunedWeights.LORA_TARGETS, FinetunedWeights.targetsAttribute(loraTargets));
        }
        for (Param p : params) {
            if (!p.head()) {
                b.tensor(p.name(), toInts(p.value().getShape()), p.value().toFloatArray());
            }
        }
        return b.build();
    }

    /** The trained head in the serving format. */
    HeadWeights exportHead() {
        List<HeadWeights.Layer> layers = new ArrayList<>();
        for (int i = 0; i < headWeights.size(); i++) {
            Shape s = headWeights.get(i).getShape();
            layers.add(new HeadWeights.Layer(
                    (int) s.get(0),
                    (int) s.get(1),
                    headWeights.get(i).toFloatArray(),
                    headBiases.get(i).toFloatArray()));
        }
        return new HeadWeights(headKind, layers);
    }

    private static int[] toInts(Shape s) {
        int[] out = new int[s.dimension()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) s.get(i);
        }
        return out;
    }

    /** Native arrays held by the model's manager and its sub-managers. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
