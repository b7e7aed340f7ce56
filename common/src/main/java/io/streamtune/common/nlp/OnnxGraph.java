package io.streamtune.common.nlp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

/**
 * The parts of an ONNX model file that a trainable copy of the model needs: the graph's nodes (operator, inputs,
 * outputs, tensor attributes such as a {@code Constant}'s value) and its initializers (the weights).
 *
 * <p>Read with protobuf-java's wire-format reader against the field numbers of {@code onnx.proto}
 * (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5, input = 11, output = 12; NodeProto.input = 1,
 * output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto.name = 1, t = 5; TensorProto.dims = 1,
 * data_type = 2, float_data = 4, int64_data = 7, name = 8, raw_data = 9, data_location = 14). Everything else is
 * skipped. Weights stored outside the file (external data) are refused: no shipped encoder uses them.
 *
 * <pre>{@code
 * OnnxGraph g = OnnxGraph.read(Path.of("all-minilm-l6-v2.onnx"));
 * float[] bias = g.initializer("encoder.layer.0.attention.self.query.bias").floats();
 * }</pre>
 */
public final class OnnxGraph {

    /** ONNX TensorProto.DataType FLOAT. */
    public static final int FLOAT = 1;
    /** ONNX TensorProto.DataType INT64. */
    public static final int INT64 = 7;

    /**
     * One tensor of the file (an initializer or a constant).
     *
     * @param name the tensor's name in the graph ("" for an unnamed constant)
     * @param dims the shape
     * @param dataType ONNX data type ({@link #FLOAT}, {@link #INT64}, ...)
     * @param raw the values, little-endian, row-major
     */
    public record Tensor(String name, long[] dims, int dataType, byte[] raw) {

        /** Number of values. */
        public long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** The shape as ints (every shape here fits). */
        public int[] shape() {
            return Arrays.stream(dims).mapToInt(Math::toIntExact).toArray();
        }

        /**
         * The values of a float tensor.
         *
         * @throws IllegalStateException if the tensor is not FLOAT
         */
        public float[] floats() {
            if (dataType != FLOAT) {
                throw new IllegalStateException("tensor " + name + " has ONNX data type " + dataType + ", not FLOAT");
            }
            float[] v = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }

        /** The first value as a double (FLOAT or INT64), for scalar constants. */
        double scalar() {
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            return switch (dataType) {
                case FLOAT -> b.getFloat();
                case INT64 -> b.getLong();
                default ->
                    throw new IllegalStateException(
                            "tensor " + name + " of data type " + dataType + " is not a number this reader reads");
            };
        }
    }

    /**
     * One operator of the graph.
     *
     * @param opType e.g. {@code MatMul}, {@code Add}, {@code Constant}
     * @param name the node's name
     * @param inputs names of the values it reads
     * @param outputs names of the values it writes
     * @param tensors its tensor-valued attributes by attribute name (a Constant's {@code value})
     */
    public record Node(
            String opType, String name, List<String> inputs, List<String> outputs, Map<String, Tensor> tensors) {}

    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();

    private OnnxGraph(Map<String, Tensor> initializers, List<Node> nodes, List<String> inputs, List<String> outputs) {
        this.initializers = Collections.unmodifiableMap(initializers);
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        for (Node n : nodes) {
            for (String o : n.outputs()) {
                producers.put(o, n);
            }
            for (String i : n.inputs()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /**
     * Reads an ONNX model file.
     *
     * @throws IOException if the file cannot be read, is not an ONNX model or keeps weights outside itself
     */
    public static OnnxGraph read(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    /**
     * Parses the bytes of an ONNX model.
     *
     * @throws IOException if the bytes are not an ONNX model with a graph, or keep weights outside the file
     */
    public static OnnxGraph parse(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setSizeLimit(Integer.MAX_VALUE);
        OnnxGraph graph = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == 7
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                graph = readGraph(in);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        if (graph == null) {
            throw new IOException("not an ONNX model: no graph");
        }
        return graph;
    }

    private static OnnxGraph readGraph(CodedInputStream in) throws IOException {
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED
                    || (field != 1 && field != 5 && field != 11 && field != 12)) {
                in.skipField(tag);
                continue;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            switch (field) {
                case 1 -> nodes.add(readNode(in));
                case 5 -> {
                    Tensor t = readTensor(in);
                    initializers.put(t.name(), t);
                }
                case 11 -> inputs.add(readValueInfoName(in));
                default -> outputs.add(readValueInfoName(in));
            }
            in.popLimit(limit);
        }
        return new OnnxGraph(initializers, nodes, inputs, outputs);
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        Map<String, Tensor> tensors = new HashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    readTensorAttribute(in, tensors);
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        return new Node(op, name, inputs, outputs, tensors);
    }

    private static void readTensorAttribute(CodedInputStream in, Map<String, Tensor> into) throws IOException {
        String name = null;
        Tensor t = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = in.readStringRequireUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    t = readTensor(in);
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        if (name != null && t != null) {
            into.put(name, t);
        }
    }

    private static String readValueInfoName(CodedInputStream in) throws IOException {
        String name = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == 1) {
                name = in.readStringRequireUtf8();
            } else {
                in.skipField(tag);
            }
        }
        return name;
    }

    private static Tensor readTensor(CodedInputStream in) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        ByteBuffer values = null; // float_data or int64_data, re-encoded little-endian
        boolean external = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(in.readInt64());
                    }
                }
                case 2 -> dataType = in.readInt32();
                case 4 -> values = append(values, in, wire, 4);
                case 7 -> values = append(values, in, wire, 8);
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteArray();
                case 14 -> external = in.readInt32() == 1;
                default -> in.skipField(tag);
            }
        }
        if (external) {
            throw new IOException("tensor " + name + " keeps its data outside the model file; not supported");
        }
        if (raw == null) {
            raw = values == null ? new byte[0] : Arrays.copyOf(values.array(), values.position());
        }
        return new Tensor(name, dims.stream().mapToLong(Long::longValue).toArray(), dataType, raw);
    }

    /** Appends float32 (width 4) or int64 (width 8) values, packed or not, as little-endian bytes. */
    private static ByteBuffer append(ByteBuffer buf, CodedInputStream in, int wire, int width) throws IOException {
        boolean packed = wire == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        int limit = packed ? in.pushLimit(in.readRawVarint32()) : -1;
        do {
            if (buf == null || buf.remaining() < width) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(64, (buf == null ? 0 : buf.capacity()) * 2))
                        .order(ByteOrder.LITTLE_ENDIAN);
                if (buf != null) {
                    bigger.put(buf.array(), 0, buf.position());
                }
                buf = bigger;
            }
            if (width == 4) {
                buf.putFloat(in.readFloat());
            } else {
                buf.putLong(in.readInt64());
            }
        } while (packed && in.getBytesUntilLimit() > 0);
        if (packed) {
            in.popLimit(limit);
        }
        return buf;
    }

    /** Initializers by name, in file order. */
    public Map<String, Tensor> initializers() {
        return initializers;
    }

    /** An initializer, or null. */
    public Tensor initializer(String name) {
        return initializers.get(name);
    }

    /** Nodes in file (topological) order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The graph's input names (initializers listed as inputs included, as the file has them). */
    public List<String> inputs() {
        return inputs;
    }

    /** The graph's output names. */
    public List<String> outputs() {
        return outputs;
    }

    /** The node that writes a value, if any (graph inputs and initializers have none). */
    public Optional<Node> producer(String value) {
        return Optional.ofNullable(producers.get(value));
    }

    /** The nodes that read a value. */
    public List<Node> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /**
     * The value of a scalar that is a one-element initializer or the output of a {@code Constant} node.
     */
    public OptionalDouble scalar(String value) {
        Tensor t = initializers.get(value);
        if (t == null) {
            Node p = producers.get(value);
            if (p != null && p.opType().equals("Constant")) {
                t = p.tensors().get("value");
            }
        }
        return t != null && t.size() == 1 ? OptionalDouble.of(t.scalar()) : OptionalDouble.empty();
    }
}
