package io.streamtune.common.nlp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.streamtune.common.config.LoraTarget;
import io.streamtune.common.model.TensorPack;

/**
 * The weights of a BERT encoder under Hugging Face's names, read from the ONNX file that serving runs, and the one
 * place that maps those names onto the file's initializer names.
 *
 * <p>Names: embeddings and LayerNorms keep the initializer names of the export
 * ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.3.output.LayerNorm.bias}, every {@code *.bias}).
 * The export leaves the weight matrices unnamed ({@code onnx::MatMul_787}): each is named here after the bias that
 * the graph adds to its product ({@code encoder.layer.0.attention.self.query.bias} names
 * {@code encoder.layer.0.attention.self.query.weight}).
 *
 * <p>Layout: a matrix is stored as the ONNX graph multiplies it, {@code [in, out]} row-major ({@code y = x W + b}),
 * which is the transpose of a PyTorch {@code nn.Linear} weight. LoRA factors follow the same convention:
 * {@code <module>.lora_a} is {@code [in, rank]}, {@code <module>.lora_b} is {@code [rank, out]}, and the merged
 * matrix is {@code W + (alpha / rank) A B}.
 *
 * <pre>{@code
 * BertWeights base = BertWeights.load("all-minilm-l6-v2");
 * base.config().layers();                                        // 6
 * base.tensor("encoder.layer.0.attention.self.query.weight");    // [384, 384]
 * base.onnxName("encoder.layer.0.attention.self.query.weight");  // "onnx::MatMul_787"
 * }</pre>
 */
public final class BertWeights {

    private final BertConfig config;
    private final String sha256;
    private final Map<String, String> onnxNames;
    private final Map<String, TensorPack.Tensor> tensors;

    private BertWeights(
            BertConfig config, String sha256, Map<String, String> onnxNames, Map<String, TensorPack.Tensor> tensors) {
        this.config = config;
        this.sha256 = sha256;
        this.onnxNames = Collections.unmodifiableMap(onnxNames);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Reads the base weights of a shipped encoder from its ONNX file.
     *
     * @throws EncoderException if the id is unknown or the file is not a BERT export this code understands
     */
    public static BertWeights load(String encoderId) throws EncoderException {
        EncoderFiles.OnnxFile file = EncoderFiles.onnx(encoderId);
        try {
            return of(OnnxGraph.read(file.path()), file.sha256());
        } catch (IOException | IllegalArgumentException e) {
            throw new EncoderException("cannot read the weights of encoder " + encoderId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Maps a parsed graph.
     *
     * @param sha256 checksum of the file the graph came from, kept for fine-tuning results
     * @throws IllegalArgumentException if the graph is not shaped like a Hugging Face BERT export
     */
    public static BertWeights of(OnnxGraph g, String sha256) {
        BertConfig config = BertConfig.of(g);
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, TensorPack.Tensor> tensors = new LinkedHashMap<>();
        for (OnnxGraph.Tensor t : g.initializers().values()) {
            boolean ours = t.name().startsWith("embeddings.") || t.name().startsWith("encoder.layer.");
            if (ours && t.dataType() == OnnxGraph.FLOAT) {
                names.put(t.name(), t.name());
                tensors.put(t.name(), new TensorPack.Tensor(t.shape(), t.floats()));
            }
        }
        for (OnnxGraph.Node n : g.nodes()) {
            if (!n.opType().equals("MatMul") || n.inputs().size() != 2) {
                continue;
            }
            OnnxGraph.Tensor w = g.initializer(n.inputs().get(1));
            if (w == null || w.dataType() != OnnxGraph.FLOAT) {
                continue;
            }
            String bias = null;
            for (OnnxGraph.Node add : g.consumers(n.outputs().get(0))) {
                for (String in : add.inputs()) {
                    if (add.opType().equals("Add") && in.endsWith(".bias") && g.initializer(in) != null) {
                        bias = in;
                    }
                }
            }
            if (bias == null) {
                throw new IllegalArgumentException("matrix " + w.name() + " has no bias added to its product");
            }
            String name = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
            names.put(name, w.name());
            tensors.put(name, new TensorPack.Tensor(w.shape(), w.floats()));
        }
        BertWeights weights = new BertWeights(config, sha256, names, tensors);
        for (String required : weights.expectedNames()) {
            if (!tensors.containsKey(required)) {
                throw new IllegalArgumentException("no tensor for " + required);
            }
        }
        return weights;
    }

    /** Dimensions and constants. */
    public BertConfig config() {
        return config;
    }

    /** SHA-256 of the ONNX file these weights were read from. */
    public String sha256() {
        return sha256;
    }

    /** Every weight's name, embeddings first, then layer by layer as the file lists them. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** A weight by name; the values are shared, do not modify them. */
    public TensorPack.Tensor tensor(String name) {
        TensorPack.Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("encoder has no weight " + name);
        }
        return t;
    }

    /** Whether a weight of that name exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The initializer name in the ONNX file of a weight. */
    public String onnxName(String name) {
        String n = onnxNames.get(name);
        if (n == null) {
            throw new IllegalArgumentException("encoder has no weight " + name);
        }
        return n;
    }

    /** Names of every bias term (dense layers and LayerNorm shifts): what BitFit trains. */
    public List<String> biasNames() {
        List<String> out = new ArrayList<>();
        for (String n : tensors.keySet()) {
            if (n.endsWith(".bias")) {
                out.add(n);
            }
        }
        return out;
    }

    /** {@code encoder.layer.<layer>.<target module>}, e.g. {@code encoder.layer.0.attention.self.query}. */
    public static String module(int layer, LoraTarget target) {
        return "encoder.layer." + layer + "." + target.module();
    }

    /** The weight matrix of a module. */
    public static String matrix(String module) {
        return module + ".weight";
    }

    /** The bias of a module. */
    public static String bias(String module) {
        return module + ".bias";
    }

    /** LoRA's down-projection {@code A} of a module, {@code [in, rank]}. */
    public static String loraA(String module) {
        return module + ".lora_a";
    }

    /** LoRA's up-projection {@code B} of a module, {@code [rank, out]}. */
    public static String loraB(String module) {
        return module + ".lora_b";
    }

    /** Input and output width of a module's matrix. */
    public int[] matrixShape(String module) {
        return tensor(matrix(module)).shape();
    }

    private List<String> expectedNames() {
        List<String> out = new ArrayList<>(List.of(
                "embeddings.word_embeddings.weight",
                "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight",
                "embeddings.LayerNorm.weight",
                "embeddings.LayerNorm.bias"));
        for (int l = 0; l < config.layers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                out.add(matrix(module(l, t)));
                out.add(bias(module(l, t)));
            }
            out.add("encoder.layer." + l + ".attention.output.LayerNorm.weight");
            out.add("encoder.layer." + l + ".attention.output.LayerNorm.bias");
            out.add("encoder.layer." + l + ".output.LayerNorm.weight");
            out.add("encoder.layer." + l + ".output.LayerNorm.bias");
        }
        return out;
    }
}
