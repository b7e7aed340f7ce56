package io.streamtune.common.model;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import io.streamtune.common.hash.Sha256;

/**
 * Named float32 tensors plus string attributes: the weights a model version carries besides its
 * head (a BitFit or LoRA delta, full fine-tuned encoder weights, a CNN backbone's parameters).
 * Immutable; tensors and attributes are kept sorted by name so the same content always encodes
 * to the same bytes (and the same SHA-256).
 *
 * <h2>Binary format (version 1), all integers big-endian, floats little-endian</h2>
 * <pre>
 * "STPK"  int32 formatVersion(=1)
 * int32 attributeCount, then per attribute: utf8 key, utf8 value       (sorted by key)
 * int32 tensorCount, then per tensor: utf8 name, int32 rank, int32[rank] shape,
 *                                     float32[product(shape)] values     (sorted by name)
 * utf8 = int32 byteLength + UTF-8 bytes
 * </pre>
 *
 * <pre>{@code
 * TensorPack delta = TensorPack.builder()
 *     .attribute("mode", "lora").attribute("lora.rank", "8")
 *     .tensor("encoder.layer.0.attention.self.query.lora_a", new int[] {384, 8}, a)
 *     .build();
 * byte[] bytes = delta.encode();                  // what goes inline or to the artifact store
 * TensorPack back = TensorPack.decode(bytes);     // throws ArtifactException(MALFORMED) when corrupt
 * }</pre>
 */
public final class TensorPack {
    private static final byte[] MAGIC = {'S', 'T', 'P', 'K'};
    private static final int FORMAT = 1;
    /** Refuses absurd sizes in a corrupt header before allocating. */
    private static final long MAX_VALUES = 1L << 31;

    /**
     * One tensor.
     *
     * @param shape dimensions, each at least 1; row-major layout of {@code values}
     * @param values product(shape) values, row-major
     */
    public record Tensor(int[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
            long n = 1;
            for (int d : shape) {
                if (d < 1) {
                    throw new IllegalArgumentException("tensor dimensions must be >= 1, got " + Arrays.toString(shape));
                }
                n *= d;
            }
            if (values.length != n) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
            }
        }

        /** The shape (a copy). */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of values. */
        public int size() {
            return values.length;
        }
    }

    private final SortedMap<String, String> attributes;
    private final SortedMap<String, Tensor> tensors;

    private TensorPack(SortedMap<String, String> attributes, SortedMap<String, Tensor> tensors) {
        this.attributes = Collections.unmodifiableSortedMap(attributes);
        this.tensors = Collections.unmodifiableSortedMap(tensors);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** String attributes (e.g. {@code mode}, {@code lora.rank}), sorted by key. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** An attribute, or null. */
    public String attribute(String key) {
        return attributes.get(key);
    }

    /** Tensors by name, sorted. The value arrays are shared: do not modify them. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** A tensor, or null. */
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** Total number of float values over all tensors. */
    public long valueCount() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    /** The canonical bytes (see the class comment). */
    public byte[] encode() {
        ByteArrayOutputStream bytes =
                new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, 64 + valueCount() * 4));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(attributes.size());
            for (Map.Entry<String, String> a : attributes.entrySet()) {
                writeUtf8(out, a.getKey());
                writeUtf8(out, a.getValue());
            }
            out.writeInt(tensors.size());
            for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
                writeUtf8(out, t.getKey());
                int[] shape = t.getValue().shape;
                out.writeInt(shape.length);
                for (int d : shape) {
                    out.writeInt(d);
                }
                float[] v = t.getValue().values();
                ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(v);
                out.write(buf.array());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** Lower-case hex SHA-256 of {@link #encode()}. */
    public String sha256() {
        return Sha256.hex(encode());
    }

    /**
     * Reads the canonical bytes back.
     *
     * @throws ArtifactException MALFORMED when the bytes are not a tensor pack, TRUNCATED when they end early
     */
    public static TensorPack decode(byte[] bytes) throws ArtifactException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new ArtifactException(ArtifactException.Reason.MALFORMED, "not a tensor pack (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new ArtifactException(
                        ArtifactException.Reason.UNSUPPORTED_FORMAT,
                        "tensor pack format " + format + " is not supported (this reader: " + FORMAT + ")");
            }
            Builder b = builder();
            int attributes = count(in.readInt(), "attributes");
            for (int i = 0; i < attributes; i++) {
                b.attribute(readUtf8(in), readUtf8(in));
            }
            int tensors = count(in.readInt(), "tensors");
            for (int i = 0; i < tensors; i++) {
                String name = readUtf8(in);
                int rank = in.readInt();
                if (rank < 0 || rank > 8) {
                    throw new ArtifactException(
                            ArtifactException.Reason.MALFORMED, "tensor " + name + " has rank " + rank);
                }
                int[] shape = new int[rank];
                long n = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = in.readInt();
                    if (shape[d] < 1) {
                        throw new ArtifactException(
                                ArtifactException.Reason.MALFORMED, "tensor " + name + " has dimension " + shape[d]);
                    }
                    n *= shape[d];
                    if (n > MAX_VALUES || n * 4 > bytes.length) {
                        throw new ArtifactException(
                                ArtifactException.Reason.TRUNCATED,
                                "tensor " + name + " of shape " + Arrays.toString(Arrays.copyOf(shape, d + 1))
                                        + "... is larger than the " + bytes.length + " bytes of the pack");
                    }
                }
                byte[] raw = new byte[(int) n * 4];
                in.readFully(raw);
                float[] v = new float[(int) n];
                ByteBuffer.wrap(raw)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(v);
                b.tensor(name, shape, v);
            }
            if (in.available() > 0) {
                throw new ArtifactException(
                        ArtifactException.Reason.MALFORMED, in.available() + " bytes follow the last tensor");
            }
            return b.build();
        } catch (EOFException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.TRUNCATED, "tensor pack ends early after " + bytes.length + " bytes", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "not a tensor pack: " + e.getMessage(), e);
        }
    }

    private static int count(int n, String what) throws ArtifactException {
        if (n < 0 || n > 1_000_000) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "tensor pack claims " + n + " " + what);
        }
        return n;
    }

    private static void writeUtf8(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readUtf8(DataInputStream in) throws IOException, ArtifactException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 20) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED, "string of " + n + " bytes in a tensor pack");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TensorPack[" + tensors.size() + " tensors, " + valueCount() + " values, " + attributes + "]";
    }

    /** Collects attributes and tensors; a repeated name replaces the earlier one. */
    public static final class Builder {
        private final SortedMap<String, String> attributes = new TreeMap<>();
        private final SortedMap<String, Tensor> tensors = new TreeMap<>();

        private Builder() {}

        public Builder attribute(String key, String value) {
            attributes.put(requireName(key), value == null ? "" : value);
            return this;
        }

        /** Adds a tensor; {@code values} is kept, not copied. */
        public Builder tensor(String name, int[] shape, float[] values) {
            tensors.put(requireName(name), new Tensor(shape, values));
            return this;
        }

        public Builder tensor(String name, Tensor tensor) {
            tensors.put(requireName(name), tensor);
            return this;
        }

        public TensorPack build() {
            return new TensorPack(new TreeMap<>(attributes), new TreeMap<>(tensors));
        }

        private static String requireName(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("names must be non-empty");
            }
            return name;
        }
    }
}
