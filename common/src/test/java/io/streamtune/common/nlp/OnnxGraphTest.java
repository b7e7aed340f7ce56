package io.streamtune.common.nlp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire-format reader against hand-written ONNX messages. */
class OnnxGraphTest {

    /** A TensorProto: name, dims (packed or not), FLOAT, values as raw_data or as packed float_data. */
    static byte[] tensor(String name, long[] dims, float[] values, boolean raw, boolean packedDims) throws IOException {
        return message(out -> {
            if (packedDims) {
                ByteArrayOutputStream d = new ByteArrayOutputStream();
                CodedOutputStream dc = CodedOutputStream.newInstance(d);
                for (long x : dims) {
                    dc.writeInt64NoTag(x);
                }
                dc.flush();
                out.writeByteArray(1, d.toByteArray());
            } else {
                for (long x : dims) {
                    out.writeInt64(1, x);
                }
            }
            out.writeInt32(2, OnnxGraph.FLOAT);
            out.writeString(8, name);
            if (raw) {
                ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                out.writeByteArray(9, b.array());
            } else {
                ByteArrayOutputStream d = new ByteArrayOutputStream();
                CodedOutputStream dc = CodedOutputStream.newInstance(d);
                for (float v : values) {
                    dc.writeFloatNoTag(v);
                }
                dc.flush();
                out.writeByteArray(4, d.toByteArray());
            }
        });
    }

    interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Writer w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        w.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    static byte[] node(String op, List<String> in, List<String> outNames, String attr, byte[] attrTensor)
            throws IOException {
        return message(out -> {
            for (String i : in) {
                out.writeString(1, i);
            }
            for (String o : outNames) {
                out.writeString(2, o);
            }
            out.writeString(3, op + "_node");
            out.writeString(4, op);
            if (attr != null) {
                out.writeByteArray(5, message(a -> {
                    a.writeString(1, attr);
                    a.writeInt32(20, 4);
                    a.writeByteArray(5, attrTensor);
                }));
            }
        });
    }

    @Test
    void shouldReadInitializersNodesAndConstantsInEveryEncoding() throws IOException {
        byte[] graph = message(g -> {
            g.writeByteArray(
                    1,
                    node(
                            "Constant",
                            List.of(),
                            List.of("c"),
                            "value",
                            tensor("", new long[] {}, new float[] {8f}, true, false)));
            g.writeByteArray(1, node("MatMul", List.of("x", "w"), List.of("xw"), null, null));
            g.writeString(2, "g");
            g.writeByteArray(5, tensor("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}, true, true));
            g.writeByteArray(5, tensor("b", new long[] {3}, new float[] {0.5f, -1f, 2f}, false, false));
            g.writeByteArray(11, message(v -> v.writeString(1, "x")));
            g.writeByteArray(12, message(v -> v.writeString(1, "xw")));
        });
        byte[] model = message(m -> {
            m.writeInt64(1, 8);
            m.writeString(2, "test");
            m.writeByteArray(7, graph);
        });
        OnnxGraph g = OnnxGraph.parse(model);
        assertArrayEquals(new int[] {2, 3}, g.initializer("w").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, g.initializer("w").floats());
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, g.initializer("b").floats());
        assertEquals(List.of("x"), g.inputs());
        assertEquals(List.of("xw"), g.outputs());
        assertEquals("MatMul", g.producer("xw").orElseThrow().opType());
        assertEquals(1, g.consumers("w").size());
        assertEquals(8.0, g.scalar("c").orElseThrow());
        assertTrue(g.scalar("w").isEmpty());
    }

    @Test
    void shouldRefuseWeightsKeptOutsideTheFileAndBytesWithoutAGraph() throws IOException {
        byte[] external = message(t -> {
            t.writeInt64(1, 2);
            t.writeInt32(2, OnnxGraph.FLOAT);
            t.writeString(8, "far");
            t.writeInt32(14, 1);
        });
        byte[] model = message(m -> m.writeByteArray(7, message(g -> g.writeByteArray(5, external))));
        IOException e = assertThrows(IOException.class, () -> OnnxGraph.parse(model));
        assertTrue(e.getMessage().contains("far"), e.getMessage());
        assertThrows(IOException.class, () -> OnnxGraph.parse(message(m -> m.writeString(2, "no graph"))));
    }
}
