package io.streamtune.common.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

import io.streamtune.common.image.ImageSpec;

/**
 * The image backbone's architecture: DJL's model-zoo {@code ResNetV1} (He et al., 2015, "Deep
 * Residual Learning for Image Recognition") with a given depth, for a given input. Everything up to
 * and including global average pooling is the backbone; the final {@code Linear} is the head
 * ({@link HeadWeights}), trained with it but carried separately.
 *
 * <p>The builder decides the shape from the input size (rules of {@code ResNetV1.Builder} in DJL
 * 0.35.1):
 * <ul>
 *   <li>size &lt;= 28: the CIFAR-style network, a 3x3 stem and 3 stages; {@code layers} = 6n + 2
 *       below 164 (basic blocks of 16, 32, 64 filters: 64 features; 20 layers = 0.27 M weights) or
 *       9n + 2 from 164 (bottleneck blocks: 256 features);</li>
 *   <li>size &gt; 28: 4 bottleneck stages; {@code layers} one of 18, 34 (512 features), 50, 101,
 *       152, 200, 269 (2048 features); a 7x7 stride-2 stem and max pooling above 32 pixels.</li>
 * </ul>
 *
 * <p>{@link #attributes()} describe it in a {@link TensorPack}, so a reader rebuilds the same
 * block and refuses a pack made for another architecture, input shape or normalisation.
 *
 * <pre>{@code
 * CnnArchitecture arch = new CnnArchitecture(20, ImageSpec.of(28, 1));
 * SequentialBlock backbone = arch.backbone();     // [n, 1, 28, 28] -> [n, 64]
 * }</pre>
 *
 * @param layers depth passed to {@code ResNetV1.Builder.setNumLayers}
 * @param input  the images it takes
 */
public record CnnArchitecture(int layers, ImageSpec input) {

    /** Value of the {@value #ATTR_ARCHITECTURE} attribute. */
    public static final String KIND = "resnet-v1";

    public static final String ATTR_ARCHITECTURE = "architecture";
    public static final String ATTR_LAYERS = "resnet.layers";
    public static final String ATTR_SIZE = "input.size";
    public static final String ATTR_CHANNELS = "input.channels";
    public static final String ATTR_MEAN = "input.mean";
    public static final String ATTR_STD = "input.std";
    public static final String ATTR_FEATURES = "feature.dimension";

    public CnnArchitecture {
        String problem = problem(layers, input.size());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Why {@code layers} does not build for images of {@code size} pixels, or null when it does.
     * Configuration calls this to report a wrong {@code cnn.layers} at start.
     */
    public static String problem(int layers, int size) {
        return io.streamtune.common.config.CnnSettings.depthProblem(layers, size);
    }

    /** Width of the feature vector the backbone gives (the head's input). */
    public int featureDimension() {
        if (input.size() <= 28) {
            return layers < 164 ? 64 : 256;
        }
        return layers < 50 ? 512 : 2048;
    }

    /** Input shape of a batch of {@code n} images: {@code [n, channels, size, size]}. */
    public Shape inputShape(long n) {
        return new Shape(n, input.channels(), input.size(), input.size());
    }

    /**
     * A new, uninitialised backbone block: the model-zoo ResNetV1 without its final Linear (and the
     * flatten after it). Output {@code [n, featureDimension()]}.
     */
    public SequentialBlock backbone() {
        List<Block> children = zooBlock(1).getChildren().values();
        SequentialBlock backbone = new SequentialBlock();
        for (int i = 0; i < children.size() - 2; i++) {
            backbone.add(children.get(i));
        }
        return backbone;
    }

    /**
     * The whole model-zoo ResNetV1 with {@code numLabels} outputs, as a DJL user builds it: the
     * backbone's children followed by {@code Linear} and a flatten. Its parameters file is what
     * {@code Model.save} writes for such a model.
     */
    public SequentialBlock classifier(int numLabels) {
        return zooBlock(numLabels);
    }

    private SequentialBlock zooBlock(int outputs) {
        SequentialBlock full = ResNetV1.builder()
                .setImageShape(new Shape(input.channels(), input.size(), input.size()))
                .setNumLayers(layers)
                .setOutSize(outputs)
                .build();
        List<Block> children = full.getChildren().values();
        int n = children.size();
        if (n < 3 || !(children.get(n - 2) instanceof Linear) || !(children.get(n - 1) instanceof LambdaBlock)) {
            // The split into backbone and head relies on the builder ending with Linear + flatten.
            throw new IllegalStateException("DJL's ResNetV1 no longer ends with Linear and a flatten: " + children);
        }
        return full;
    }

    /**
     * The backbone id a model version records ({@link BackboneRef#id()}): {@code resnet-v1-<layers>}, e.g.
     * {@code resnet-v1-20}. The input (size, channels, normalisation) is in the weights' attributes.
     */
    public String id() {
        return KIND + "-" + layers;
    }

    /** Attributes naming this architecture in a {@link TensorPack}. */
    public Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(ATTR_ARCHITECTURE, KIND);
        a.put(ATTR_LAYERS, Integer.toString(layers));
        a.put(ATTR_SIZE, Integer.toString(input.size()));
        a.put(ATTR_CHANNELS, Integer.toString(input.channels()));
        a.put(ATTR_MEAN, ImageSpec.join(input.mean()));
        a.put(ATTR_STD, ImageSpec.join(input.std()));
        a.put(ATTR_FEATURES, Integer.toString(featureDimension()));
        return a;
    }

    /**
     * Reads the architecture a pack names.
     *
     * @throws ArtifactException MALFORMED when an attribute is missing or unreadable,
     *     ENCODER_MISMATCH when the pack is not a ResNetV1 backbone
     */
    public static CnnArchitecture of(TensorPack pack) throws ArtifactException {
        String kind = pack.attribute(ATTR_ARCHITECTURE);
        if (!KIND.equals(kind)) {
            throw new ArtifactException(
                    ArtifactException.Reason.ENCODER_MISMATCH,
                    "backbone pack names architecture '" + kind + "', this reader builds '" + KIND + "'");
        }
        try {
            int layers = Integer.parseInt(required(pack, ATTR_LAYERS));
            int size = Integer.parseInt(required(pack, ATTR_SIZE));
            int channels = Integer.parseInt(required(pack, ATTR_CHANNELS));
            ImageSpec spec =
                    new ImageSpec(size, channels, floats(required(pack, ATTR_MEAN)), floats(required(pack, ATTR_STD)));
            return new CnnArchitecture(layers, spec);
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED,
                    "backbone pack attributes " + pack.attributes() + " do not describe a ResNetV1: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Refuses a pack architecture that is not this one, naming the difference.
     *
     * @param found what a pack or file describes
     * @throws ArtifactException ENCODER_MISMATCH for another depth, SHAPE_MISMATCH for another input
     *     size, channel count or normalisation (served on such inputs it would compute nonsense)
     */
    public void requireSame(CnnArchitecture found) throws ArtifactException {
        if (found.layers != layers) {
            throw new ArtifactException(
                    ArtifactException.Reason.ENCODER_MISMATCH,
                    "backbone is a " + found.layers + "-layer ResNetV1, the task expects " + layers
                            + " layers (cnn.layers)");
        }
        ImageSpec in = found.input;
        if (in.size() != input.size() || in.channels() != input.channels()) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "backbone takes images of " + shape(in) + ", the task gives " + shape(input)
                            + " (image.channels, image.size)");
        }
        if (!in.equals(input)) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "backbone was trained on images"
                            + " normalised with mean " + ImageSpec.join(in.mean()) + " and std "
                            + ImageSpec.join(in.std())
                            + ", the task normalises with mean " + ImageSpec.join(input.mean()) + " and std "
                            + ImageSpec.join(input.std()) + " (image.mean, image.std)");
        }
    }

    private static String shape(ImageSpec s) {
        return s.channels() + "x" + s.size() + "x" + s.size();
    }

    private static String required(TensorPack pack, String key) {
        String v = pack.attribute(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("attribute " + key + " is missing");
        }
        return v;
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim());
        }
        return out;
    }

    @Override
    public String toString() {
        return KIND + "-" + layers + " on " + input;
    }
}
