package io.streamtune.common.nlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.LoraTarget;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactException.Reason;
import io.streamtune.common.model.TensorPack;

/**
 * The contract of a fine-tuning result carried as a {@link TensorPack}, its checks, and how it becomes the weights
 * that serving overrides in the base ONNX graph.
 *
 * <p>Attributes: {@code mode} ({@code bitfit} | {@code lora} | {@code full}), {@code base.encoder} (encoder id),
 * {@code base.sha256} (checksum of the base ONNX file, as the frozen encoder's {@code checksum()}); for LoRA also
 * {@code lora.rank}, {@code lora.alpha} and {@code lora.targets} (comma-separated {@link LoraTarget} names in lower
 * case). Tensors, named and laid out as {@link BertWeights} says:
 * <ul>
 *   <li>bitfit: every bias term of the encoder (dense biases and LayerNorm shifts; LayerNorm gains stay
 *       frozen, as in Ben Zaken et al., 2022);</li>
 *   <li>lora: {@code <module>.lora_a} {@code [in, rank]} and {@code <module>.lora_b} {@code [rank, out]} for every
 *       layer and target;</li>
 *   <li>full: every encoder weight.</li>
 * </ul>
 *
 * <pre>{@code
 * FinetunedWeights.check(pack, "all-minilm-l6-v2", base);                 // ArtifactException when it does not fit
 * Map<String, TensorPack.Tensor> byOnnxName = FinetunedWeights.overrides(pack, base);
 * }</pre>
 */
public final class FinetunedWeights {

    /** Attribute: {@code bitfit}, {@code lora} or {@code full}. */
    public static final String MODE = "mode";
    /** Attribute: id of the encoder the weights were trained from. */
    public static final String BASE_ENCODER = "base.encoder";
    /** Attribute: SHA-256 of that encoder's ONNX file. */
    public static final String BASE_SHA256 = "base.sha256";
    /** Attribute: LoRA rank r. */
    public static final String LORA_RANK = "lora.rank";
    /** Attribute: LoRA alpha; the update is scaled by alpha / r. */
    public static final String LORA_ALPHA = "lora.alpha";
    /** Attribute: comma-separated adapted matrices, e.g. {@code query,value}. */
    public static final String LORA_TARGETS = "lora.targets";

    private FinetunedWeights() {}

    /** The mode a pack declares. */
    public static FinetuneMode mode(TensorPack pack) throws ArtifactException {
        String m = pack.attribute(MODE);
        if (m == null) {
            throw new ArtifactException(Reason.MALFORMED, "fine-tuned weights have no '" + MODE + "' attribute");
        }
        try {
            FinetuneMode mode = FinetuneMode.valueOf(m.trim().toUpperCase(Locale.ROOT));
            if (mode != FinetuneMode.NONE) {
                return mode;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ArtifactException(
                Reason.MALFORMED, "fine-tuned weights have mode '" + m + "', expected bitfit, lora or full");
    }

    /** The LoRA targets a pack declares, in {@link LoraTarget} order. */
    public static Set<LoraTarget> loraTargets(TensorPack pack) throws ArtifactException {
        String v = pack.attribute(LORA_TARGETS);
        if (v == null || v.isBlank()) {
            throw new ArtifactException(Reason.MALFORMED, "LoRA weights have no '" + LORA_TARGETS + "' attribute");
        }
        Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
        for (String s : v.split(",")) {
            try {
                out.add(LoraTarget.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ArtifactException(
                        Reason.MALFORMED,
                        "unknown LoRA target '" + s.trim() + "' in " + LORA_TARGETS + "; known: "
                                + Arrays.toString(LoraTarget.values()).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** {@code lora.targets} as written into a pack. */
    public static String targetsAttribute(Set<LoraTarget> targets) {
        List<String> names = new ArrayList<>();
        for (LoraTarget t : targets) {
            names.add(t.name().toLowerCase(Locale.ROOT));
        }
        return String.join(",", names);
    }

    /**
     * Checks that a pack was trained from this base and holds exactly the tensors its mode needs, with the base's
     * shapes.
     *
     * @param encoderId the id of the encoder about to serve it
     * @param base the base weights (their {@link BertWeights#sha256()} is the base checksum)
     * @throws ArtifactException ENCODER_MISMATCH (another encoder or another file of it), MALFORMED (mode or LoRA
     *     attributes missing or invalid, a tensor missing or unknown), SHAPE_MISMATCH (a tensor of the wrong shape);
     *     each message names the attribute or tensor
     */
    public static void check(TensorPack pack, String encoderId, BertWeights base) throws ArtifactException {
        String id = pack.attribute(BASE_ENCODER);
        if (!encoderId.equals(id)) {
            throw new ArtifactException(
                    Reason.ENCODER_MISMATCH, "weights were fine-tuned from encoder " + id + ", not " + encoderId);
        }
        String sha = pack.attribute(BASE_SHA256);
        if (!base.sha256().equals(sha)) {
            throw new ArtifactException(
                    Reason.ENCODER_MISMATCH,
                    "weights were fine-tuned from " + encoderId + " with checksum " + sha + ", this instance has "
                            + base.sha256());
        }
        Map<String, int[]> expected = expectedShapes(pack, base);
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            TensorPack.Tensor t = pack.tensor(e.getKey());
            if (t == null) {
                throw new ArtifactException(
                        Reason.MALFORMED,
                        mode(pack).name().toLowerCase(Locale.ROOT) + " weights lack tensor " + e.getKey());
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new ArtifactException(
                        Reason.SHAPE_MISMATCH,
                        "tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape()) + ", expected "
                                + Arrays.toString(e.getValue()));
            }
        }
        for (String name : pack.tensors().keySet()) {
            if (!expected.containsKey(name)) {
                throw new ArtifactException(
                        Reason.MALFORMED,
                        "unexpected tensor " + name + " in " + mode(pack).name().toLowerCase(Locale.ROOT) + " weights");
            }
        }
    }

    /** The tensors, and their shapes, that a pack of its declared mode must hold. */
    private static Map<String, int[]> expectedShapes(TensorPack pack, BertWeights base) throws ArtifactException {
        Map<String, int[]> out = new LinkedHashMap<>();
        switch (mode(pack)) {
            case BITFIT ->
                base.biasNames().forEach(n -> out.put(n, base.tensor(n).shape()));
            case FULL -> base.names().forEach(n -> out.put(n, base.tensor(n).shape()));
            default -> {
                int rank = loraRank(pack);
                loraScale(pack);
                for (int l = 0; l < base.config().layers(); l++) {
                    for (LoraTarget t : loraTargets(pack)) {
                        String module = BertWeights.module(l, t);
                        int[] w = base.matrixShape(module);
                        out.put(BertWeights.loraA(module), new int[] {w[0], rank});
                        out.put(BertWeights.loraB(module), new int[] {rank, w[1]});
                    }
                }
            }
        }
        return out;
    }

    /** The LoRA rank attribute. */
    public static int loraRank(TensorPack pack) throws ArtifactException {
        try {
            int r = Integer.parseInt(String.valueOf(pack.attribute(LORA_RANK)).trim());
            if (r >= 1) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ArtifactException(
                Reason.MALFORMED,
                "LoRA attribute " + LORA_RANK + " is '" + pack.attribute(LORA_RANK)
                        + "', expected a whole number >= 1");
    }

    /** alpha / rank from the LoRA attributes. */
    public static double loraScale(TensorPack pack) throws ArtifactException {
        double alpha;
        try {
            alpha = Double.parseDouble(
                    String.valueOf(pack.attribute(LORA_ALPHA)).trim());
        } catch (NumberFormatException e) {
            alpha = Double.NaN;
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new ArtifactException(
                    Reason.MALFORMED,
                    "LoRA attribute " + LORA_ALPHA + " is '" + pack.attribute(LORA_ALPHA) + "', expected a number > 0");
        }
        return alpha / loraRank(pack);
    }

    /**
     * The weights serving replaces in the base graph, by ONNX initializer name: the pack's tensors for bitfit and
     * full; for LoRA every adapted matrix merged, {@code W' = W + (alpha / rank) A B}.
     *
     * @throws ArtifactException as {@link #check}, which this runs first against {@code base}'s own encoder id
     */
    public static Map<String, TensorPack.Tensor> overrides(TensorPack pack, String encoderId, BertWeights base)
            throws ArtifactException {
        check(pack, encoderId, base);
        Map<String, TensorPack.Tensor> out = new LinkedHashMap<>();
        if (mode(pack) != FinetuneMode.LORA) {
            for (Map.Entry<String, TensorPack.Tensor> e : pack.tensors().entrySet()) {
                out.put(base.onnxName(e.getKey()), e.getValue());
            }
            return out;
        }
        double scale = loraScale(pack);
        int rank = loraRank(pack);
        for (int l = 0; l < base.config().layers(); l++) {
            for (LoraTarget t : loraTargets(pack)) {
                String module = BertWeights.module(l, t);
                TensorPack.Tensor w = base.tensor(BertWeights.matrix(module));
                int[] shape = w.shape();
                float[] merged = mergeLora(
                        w.values(),
                        pack.tensor(BertWeights.loraA(module)).values(),
                        pack.tensor(BertWeights.loraB(module)).values(),
                        shape[0],
                        shape[1],
                        rank,
                        scale);
                out.put(base.onnxName(BertWeights.matrix(module)), new TensorPack.Tensor(shape, merged));
            }
        }
        return out;
    }

    /**
     * {@code W + scale A B} for row-major {@code W [in, out]}, {@code A [in, rank]}, {@code B [rank, out]}; the sum
     * over the rank is accumulated in double and rounded once.
     *
     * @return a new array; {@code w} is not modified
     */
    public static float[] mergeLora(float[] w, float[] a, float[] b, int in, int out, int rank, double scale) {
        if (w.length != in * out || a.length != in * rank || b.length != rank * out) {
            throw new IllegalArgumentException("LoRA shapes do not fit: W " + w.length + ", A " + a.length + ", B "
                    + b.length + " for in " + in + ", out " + out + ", rank " + rank);
        }
        float[] merged = new float[w.length];
        double[] row = new double[out];
        for (int i = 0; i < in; i++) {
            Arrays.fill(row, 0);
            for (int k = 0; k < rank; k++) {
                double aik = a[i * rank + k];
                if (aik == 0) {
                    continue;
                }
                int bk = k * out;
                for (int j = 0; j < out; j++) {
                    row[j] += aik * b[bk + j];
                }
            }
            for (int j = 0; j < out; j++) {
                merged[i * out + j] = (float) (w[i * out + j] + scale * row[j]);
            }
        }
        return merged;
    }
}
