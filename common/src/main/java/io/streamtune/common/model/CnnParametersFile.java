package io.streamtune.common.model;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;

/**
 * A CNN in DJL's parameters-file format, the file {@code Model.save(dir, name)} writes
 * ({@code <name>-<epoch>.params}): how a backbone leaves streamtune and how a user-supplied
 * pretrained backbone ({@code cnn.pretrained}) comes in.
 *
 * <p>{@link #save} writes the whole model-zoo ResNetV1 (backbone + head) through DJL's own
 * {@code Model.save}, with the pack's attributes as model properties. {@link #load} reads such a
 * file, or one of the backbone alone, for a given architecture: the header as {@code BaseModel}
 * writes it ({@code DJL@}, version 1, name, data type, input descriptions, properties), then the
 * block's parameters through DJL's {@code Block.loadParameters}, then it checks every shape
 * against the architecture and refuses trailing bytes.
 *
 * <pre>{@code
 * Path file = CnnParametersFile.save(pack, head, dir, "fashion");   // dir/fashion-0000.params
 * TensorPack start = CnnParametersFile.load(file, arch);            // the backbone, checked against arch
 * }</pre>
 */
public final class CnnParametersFile {

    private static final String MAGIC = "DJL@";
    private static final int MODEL_VERSION = 1;

    private CnnParametersFile() {}

    /**
     * Writes backbone and head as the whole ResNetV1 classifier.
     *
     * @param dir  directory (created when missing)
     * @param name model name: the file is {@code dir/<name>-0000.params}
     * @return the file written
     * @throws ArtifactException when the pack or head does not fit the architecture the pack names
     */
    public static Path save(TensorPack backbone, HeadWeights head, Path dir, String name)
            throws IOException, ArtifactException {
        CnnArchitecture arch = CnnArchitecture.of(backbone);
        try (Model model = Model.newInstance(name, ai.djl.Device.cpu(), CnnBackbone.ENGINE)) {
            SequentialBlock full = arch.classifier(head.outputDimension());
            model.setBlock(full);
            full.initialize(model.getNDManager(), DataType.FLOAT32, arch.inputShape(1));
            SequentialBlock view = new SequentialBlock();
            Linear linear = null;
            for (Block child : full.getChildren().values()) {
                if (child instanceof Linear l) {
                    linear = l;
                    break;
                }
                view.add(child);
            }
            // The first children of the whole block are the backbone's, so the names match the pack's.
            CnnWeights.load(view, backbone);
            CnnWeights.setHead(linear, head);
            arch.attributes().forEach(model::setProperty);
            model.setProperty("Epoch", "0");
            model.save(dir, name);
        }
        return dir.resolve(name + "-0000.params");
    }

    /**
     * Reads the backbone out of a DJL parameters file of a ResNetV1 built for {@code arch}: the
     * whole classifier (any number of outputs; its head is ignored) or the backbone alone.
     *
     * @return the backbone's weights with {@code arch}'s attributes
     * @throws ArtifactException MALFORMED (not such a file, unreadable parameters, trailing bytes),
     *     ENCODER_MISMATCH or SHAPE_MISMATCH (properties or parameter shapes of another
     *     architecture or input, named)
     */
    public static TensorPack load(Path file, CnnArchitecture arch) throws IOException, ArtifactException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, String> properties = new HashMap<>();
        int bodyStart = readHeader(bytes, file, properties);
        if (properties.containsKey(CnnArchitecture.ATTR_ARCHITECTURE)) {
            // Written by streamtune (or anyone who set the same properties): compare names before shapes.
            TensorPack.Builder described = TensorPack.builder();
            properties.forEach(described::attribute);
            arch.requireSame(CnnArchitecture.of(described.build()));
        }
        try (NDManager manager = Engine.getEngine(CnnBackbone.ENGINE).newBaseManager(ai.djl.Device.cpu())) {
            SequentialBlock reference = arch.backbone();
            reference.initialize(manager, DataType.FLOAT32, arch.inputShape(1));
            SequentialBlock loaded = loadBackbone(bytes, bodyStart, arch, manager, file);
            for (Pair<String, Parameter> p : reference.getParameters()) {
                Shape want = p.getValue().getArray().getShape();
                Shape got = loaded.getParameters().get(p.getKey()).getArray().getShape();
                if (!want.equals(got)) {
                    throw new ArtifactException(
                            ArtifactException.Reason.SHAPE_MISMATCH,
                            file + ": parameter " + p.getKey() + " has shape " + got + ", a " + arch + " needs "
                                    + want);
                }
            }
            return CnnWeights.toPack(loaded, arch);
        }
    }

    /** The backbone's parameters from the body: the whole classifier first, else the backbone alone. */
    private static SequentialBlock loadBackbone(
            byte[] bytes, int bodyStart, CnnArchitecture arch, NDManager manager, Path file) throws ArtifactException {
        String wholeProblem;
        try {
            SequentialBlock whole = arch.classifier(1);
            readFully(whole, bytes, bodyStart, manager);
            SequentialBlock backbone = new SequentialBlock();
            for (Block child : whole.getChildren().values()) {
                if (child instanceof Linear) {
                    break;
                }
                backbone.add(child);
            }
            return backbone;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            wholeProblem = e.getMessage();
        }
        try {
            SequentialBlock backbone = arch.backbone();
            readFully(backbone, bytes, bodyStart, manager);
            return backbone;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED,
                    file + " holds neither a " + arch + " classifier (" + wholeProblem + ") nor its backbone alone ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    private static void readFully(Block block, byte[] bytes, int offset, NDManager manager)
            throws IOException, MalformedModelException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes, offset, bytes.length - offset);
        block.loadParameters(manager, new DataInputStream(in));
        if (in.available() > 0) {
            throw new MalformedModelException(in.available() + " bytes follow the last parameter");
        }
    }

    /** Reads the header {@code BaseModel.save} writes; returns where the block's parameters start. */
    private static int readHeader(byte[] bytes, Path file, Map<String, String> properties) throws ArtifactException {
        ByteArrayInputStream raw = new ByteArrayInputStream(bytes);
        try (DataInputStream in = new DataInputStream(raw)) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new ArtifactException(
                        ArtifactException.Reason.MALFORMED,
                        file + " is not a DJL parameters file" + " (starts " + Arrays.toString(magic) + ", not DJL@)");
            }
            int version = in.readInt();
            if (version != MODEL_VERSION) {
                throw new ArtifactException(
                        ArtifactException.Reason.UNSUPPORTED_FORMAT,
                        file + ": DJL parameters file version " + version + " (this reader: " + MODEL_VERSION + ")");
            }
            in.readUTF(); // model name
            String dataType = in.readUTF();
            if (!DataType.FLOAT32.name().equals(dataType)) {
                throw new ArtifactException(
                        ArtifactException.Reason.SHAPE_MISMATCH,
                        file + " holds " + dataType + " parameters, the backbone is float32");
            }
            int inputs = in.readInt();
            for (int i = 0; i < inputs; i++) {
                in.readUTF();
                Shape.decode(in);
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                properties.put(in.readUTF(), in.readUTF());
            }
            return bytes.length - raw.available();
        } catch (EOFException e) {
            throw new ArtifactException(ArtifactException.Reason.TRUNCATED, file + " ends inside its header", e);
        } catch (IOException | RuntimeException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED, file + " has an unreadable header: " + e.getMessage(), e);
        }
    }
}
