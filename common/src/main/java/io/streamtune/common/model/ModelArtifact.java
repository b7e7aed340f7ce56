package io.streamtune.common.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.hash.Sha256;

/**
 * An immutable, self-describing model version: metadata, the backbone it stands on (with the weights
 * it lays over that backbone, inline or by reference) and the head weights, with a checksum over all.
 *
 * <h2>Format (formatVersion 2)</h2>
 *
 * UTF-8 JSON, one object:
 *
 * <pre>
 * {
 *   "backbone": {"kind": "text-encoder"|"image-cnn", "id": string, "baseSha256": hex or "",
 *                "maxSequenceLength": int (0 for images),
 *                "weights": null | {"format": "bitfit"|"lora"|"full"|"cnn", "sha256": hex, "sizeBytes": int,
 *                                   "inline": b64 of a TensorPack | absent, "uri": string | absent}},
 *   "format": "streamtune.model",
 *   "formatVersion": 2,
 *   "head": {"kind": "linear"|"mlp",
 *            "layers": [{"bias": b64, "in": int, "out": int, "weight": b64}, ...]},
 *   "meta": {"createdAtMillis", "encoderChecksum", "encoderId", "formatVersion", "labels": [...],
 *            "metrics": null | {"accuracy", "f1PerLabel": {label: f1}, "holdoutSize", "macroF1"},
 *            "note", "parentVersion", "task", "version",
 *            "window": [{"count", "fromOffset", "partition", "toOffset", "topic"}]},
 *   "payloadSha256": hex
 * }
 * </pre>
 *
 * Float arrays are base64 of IEEE-754 little-endian floats; weights are row-major
 * {@code [in][out]}. {@code payloadSha256} is the SHA-256 of the canonical form of the object
 * without that field: object keys sorted recursively, no whitespace, UTF-8. Readers check
 * {@code format} and {@code formatVersion} first, then the checksum, then the contents. An MLP
 * of 384x256x3 is about 530 kB. {@code meta.encoderId} and {@code meta.encoderChecksum} repeat the
 * backbone's id and base checksum, so audit readers need not understand backbones.
 *
 * <h2>Version 1</h2>
 * Artifacts written before backbones were recorded (formatVersion 1: no {@code backbone}, an
 * {@code encoderRef} that was always null) still load: their backbone is the frozen text encoder
 * named by {@code meta.encoderId} and {@code meta.encoderChecksum}, with {@code maxSequenceLength} 0
 * (the task's configured length). They are never written any more.
 *
 * <pre>{@code
 * ModelArtifact a = ModelArtifact.of(meta, backbone, head);
 * byte[] bytes = a.toBytes();                    // record value on streamtune.models
 * ModelArtifact b = ModelArtifact.parse(bytes);  // throws ArtifactException with a Reason
 * ModelArtifact rolledBack = b.withMeta(newMeta); // new checksum
 * }</pre>
 */
public final class ModelArtifact {

    /** Value of the {@code format} field. */
    public static final String FORMAT_NAME = "streamtune.model";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            // Doubles stay doubles: Double.toString round-trips exactly, so the canonical form
            // a reader recomputes equals the one the writer hashed.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The artifact format version of version-1 artifacts, which recorded no backbone. */
    public static final int FORMAT_VERSION_1 = 1;

    private final ModelVersion meta;
    private final BackboneRef backbone;
    private final HeadWeights head;
    private final String payloadSha256;
    private final byte[] bytes;

    private ModelArtifact(ModelVersion meta, BackboneRef backbone, HeadWeights head, String sha, byte[] bytes) {
        this.meta = meta;
        this.backbone = backbone;
        this.head = head;
        this.payloadSha256 = sha;
        this.bytes = bytes;
    }

    /**
     * An artifact on the frozen text encoder its metadata names, at the task's configured sequence
     * length; for tests and tools. The trainer records the backbone in full with
     * {@link #of(ModelVersion, BackboneRef, HeadWeights)}.
     */
    public static ModelArtifact of(ModelVersion meta, HeadWeights head) {
        return of(meta, BackboneRef.text(meta.encoderId(), meta.encoderChecksum(), 0, null), head);
    }

    /**
     * Builds an artifact; the head's arrays are copied.
     *
     * @throws IllegalArgumentException when the backbone's id or base checksum differ from the
     *     metadata's encoder id and checksum
     */
    public static ModelArtifact of(ModelVersion meta, BackboneRef backbone, HeadWeights head) {
        if (meta == null || backbone == null || head == null) {
            throw new IllegalArgumentException("meta, backbone and head are required");
        }
        if (meta.formatVersion() != ModelVersion.FORMAT_VERSION) {
            meta = meta.withFormatVersion(ModelVersion.FORMAT_VERSION); // what is written is always the current format
        }
        if (!backbone.id().equals(meta.encoderId()) || !backbone.baseSha256().equals(meta.encoderChecksum())) {
            throw new IllegalArgumentException("backbone " + backbone.id() + " (" + backbone.baseSha256()
                    + ") differs from the metadata's encoder " + meta.encoderId() + " (" + meta.encoderChecksum()
                    + ")");
        }
        HeadWeights copy = deepCopy(head);
        ObjectNode payload = payload(meta, backbone, copy);
        String sha = sha256(canonical(payload));
        payload.put("payloadSha256", sha);
        return new ModelArtifact(meta, backbone, copy, sha, canonical(payload));
    }

    public ModelVersion meta() {
        return meta;
    }

    /** The backbone this version stands on, with the weights it brings (if any). */
    public BackboneRef backbone() {
        return backbone;
    }

    /** The head weights (a copy: the artifact stays immutable). */
    public HeadWeights head() {
        return deepCopy(head);
    }

    /** Lower-case hex SHA-256 of the canonical payload. */
    public String payloadSha256() {
        return payloadSha256;
    }

    /** The serialised artifact (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** Serialised size in bytes. */
    public int sizeBytes() {
        return bytes.length;
    }

    /** The same backbone and head under new metadata, with a new checksum (written as format 2). */
    public ModelArtifact withMeta(ModelVersion newMeta) {
        return of(newMeta, backbone, head);
    }

    @Override
    public String toString() {
        return "ModelArtifact[" + meta.task() + " v" + meta.version() + ", " + backbone.key() + ", " + head.kind() + " "
                + head.inputDimension() + "->" + head.outputDimension() + ", sha256 "
                + payloadSha256.substring(0, 12) + "]";
    }

    /**
     * Parses and verifies an artifact.
     *
     * @throws ArtifactException with reason TRUNCATED, MALFORMED, UNSUPPORTED_FORMAT,
     *     CHECKSUM_MISMATCH or SHAPE_MISMATCH
     */
    public static ModelArtifact parse(byte[] bytes) throws ArtifactException {
        if (bytes == null || bytes.length == 0) {
            throw new ArtifactException(ArtifactException.Reason.TRUNCATED, "empty artifact");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JsonEOFException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.TRUNCATED, "artifact ends early after " + bytes.length + " bytes", e);
        } catch (IOException e) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "not a JSON object");
        }
        String where = describe(root);
        if (!FORMAT_NAME.equals(root.path("format").asText(null))) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED, "missing format marker '" + FORMAT_NAME + "'" + where);
        }
        JsonNode fv = root.get("formatVersion");
        if (fv == null || !fv.isIntegralNumber()) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "missing formatVersion" + where);
        }
        int format = fv.asInt();
        if (format != ModelVersion.FORMAT_VERSION && format != FORMAT_VERSION_1) {
            throw new ArtifactException(
                    ArtifactException.Reason.UNSUPPORTED_FORMAT,
                    "format version " + fv.asText() + " is not supported (this reader: " + FORMAT_VERSION_1 + " and "
                            + ModelVersion.FORMAT_VERSION + ")" + where);
        }
        JsonNode shaNode = root.get("payloadSha256");
        if (shaNode == null || !shaNode.isTextual()) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "missing payloadSha256" + where);
        }
        ObjectNode payload = ((ObjectNode) root).deepCopy();
        payload.remove("payloadSha256");
        String actual = sha256(canonical(payload));
        if (!actual.equals(shaNode.asText())) {
            throw new ArtifactException(
                    ArtifactException.Reason.CHECKSUM_MISMATCH,
                    "payload sha256 " + actual + " differs from recorded " + shaNode.asText() + where);
        }
        ModelVersion meta;
        HeadWeights head;
        BackboneRef backbone;
        try {
            meta = readMeta(root.get("meta"));
            if (format == FORMAT_VERSION_1) {
                JsonNode ref = root.get("encoderRef");
                if (ref != null && !ref.isNull()) {
                    throw new IllegalStateException("version-1 encoderRef was never written; this one is not null");
                }
                backbone = BackboneRef.text(meta.encoderId(), meta.encoderChecksum(), 0, null);
            } else {
                backbone = readBackbone(root.get("backbone"));
            }
        } catch (RuntimeException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED, "bad metadata: " + e.getMessage() + where, e);
        }
        if (meta.formatVersion() != format) {
            throw new ArtifactException(
                    ArtifactException.Reason.UNSUPPORTED_FORMAT,
                    "metadata format version " + meta.formatVersion() + " differs from the artifact's " + format
                            + where);
        }
        if (!backbone.id().equals(meta.encoderId()) || !backbone.baseSha256().equals(meta.encoderChecksum())) {
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED,
                    "backbone " + backbone.id() + " differs from the metadata's encoder " + meta.encoderId() + where);
        }
        try {
            head = readHead(root.get("head"));
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH, "bad head: " + e.getMessage() + where, e);
        } catch (RuntimeException e) {
            throw new ArtifactException(ArtifactException.Reason.MALFORMED, "bad head: " + e.getMessage() + where, e);
        }
        if (head.outputDimension() != meta.labels().size()) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "head has " + head.outputDimension() + " outputs for "
                            + meta.labels().size() + " labels" + where);
        }
        return new ModelArtifact(meta, backbone, head, actual, bytes.clone());
    }

    private static String describe(JsonNode root) {
        JsonNode m = root.path("meta");
        if (m.isObject() && m.has("task")) {
            return " (task " + m.path("task").asText() + ", version "
                    + m.path("version").asText() + ")";
        }
        return "";
    }

    // ---- writing ----

    private static ObjectNode payload(ModelVersion meta, BackboneRef backbone, HeadWeights head) {
        ObjectNode root = NODES.objectNode();
        root.put("format", FORMAT_NAME);
        root.put("formatVersion", ModelVersion.FORMAT_VERSION);
        root.set("meta", writeMeta(meta));
        root.set("backbone", writeBackbone(backbone));
        root.set("head", writeHead(head));
        return root;
    }

    private static ObjectNode writeBackbone(BackboneRef b) {
        ObjectNode o = NODES.objectNode();
        o.put("kind", b.kind().wireName());
        o.put("id", b.id());
        o.put("baseSha256", b.baseSha256());
        o.put("maxSequenceLength", b.maxSequenceLength());
        WeightsRef w = b.weights();
        if (w == null) {
            o.putNull("weights");
        } else {
            ObjectNode wo = o.putObject("weights");
            wo.put("format", w.format().wireName());
            wo.put("sha256", w.sha256());
            wo.put("sizeBytes", w.sizeBytes());
            if (w.isInline()) {
                wo.put("inline", Base64.getEncoder().encodeToString(w.inline()));
            } else {
                wo.put("uri", w.uri());
            }
        }
        return o;
    }

    private static BackboneRef readBackbone(JsonNode b) {
        if (b == null || !b.isObject()) {
            throw new IllegalStateException("backbone is missing");
        }
        WeightsRef weights = null;
        JsonNode w = b.get("weights");
        if (w != null && !w.isNull()) {
            WeightsRef.Format format = WeightsRef.Format.fromWireName(text(required(w, "format"), "format"));
            String sha = text(required(w, "sha256"), "sha256");
            long size = number(w, "sizeBytes").longValue();
            JsonNode inline = w.get("inline");
            if (inline != null && !inline.isNull()) {
                byte[] bytes = Base64.getDecoder().decode(text(inline, "inline"));
                weights = new WeightsRef(format, sha, size, bytes, null);
            } else {
                weights = WeightsRef.stored(format, sha, size, text(required(w, "uri"), "uri"));
            }
        }
        return new BackboneRef(
                BackboneKind.fromWireName(text(required(b, "kind"), "kind")),
                text(required(b, "id"), "id"),
                text(required(b, "baseSha256"), "baseSha256"),
                number(b, "maxSequenceLength").intValue(),
                weights);
    }

    private static ObjectNode writeMeta(ModelVersion m) {
        ObjectNode o = NODES.objectNode();
        o.put("formatVersion", m.formatVersion());
        o.put("task", m.task());
        o.put("version", m.version());
        if (m.parentVersion() == null) {
            o.putNull("parentVersion");
        } else {
            o.put("parentVersion", m.parentVersion().longValue());
        }
        o.put("encoderId", m.encoderId());
        o.put("encoderChecksum", m.encoderChecksum());
        ArrayNode labels = o.putArray("labels");
        m.labels().forEach(labels::add);
        if (m.metrics() == null) {
            o.putNull("metrics");
        } else {
            ObjectNode mm = o.putObject("metrics");
            mm.put("accuracy", m.metrics().accuracy());
            mm.put("macroF1", m.metrics().macroF1());
            mm.put("holdoutSize", m.metrics().holdoutSize());
            ObjectNode f1 = mm.putObject("f1PerLabel");
            if (m.metrics().f1PerLabel() != null) {
                m.metrics().f1PerLabel().forEach(f1::put);
            }
        }
        ArrayNode window = o.putArray("window");
        for (WindowRange w : m.window()) {
            ObjectNode wr = window.addObject();
            wr.put("topic", w.topic());
            wr.put("partition", w.partition());
            wr.put("fromOffset", w.fromOffset());
            wr.put("toOffset", w.toOffset());
            wr.put("count", w.count());
        }
        o.put("createdAtMillis", m.createdAtMillis());
        o.put("note", m.note());
        return o;
    }

    private static ObjectNode writeHead(HeadWeights h) {
        ObjectNode o = NODES.objectNode();
        o.put("kind", h.kind().wireName());
        ArrayNode layers = o.putArray("layers");
        for (HeadWeights.Layer l : h.layers()) {
            ObjectNode lo = layers.addObject();
            lo.put("in", l.in());
            lo.put("out", l.out());
            lo.put("weight", encodeFloats(l.weight()));
            lo.put("bias", encodeFloats(l.bias()));
        }
        return o;
    }

    // ---- reading ----

    private static ModelVersion readMeta(JsonNode m) {
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException("meta is missing");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode l : required(m, "labels")) {
            labels.add(text(l, "label"));
        }
        ModelMetrics metrics = null;
        JsonNode mm = m.get("metrics");
        if (mm != null && !mm.isNull()) {
            Map<String, Double> f1 = new LinkedHashMap<>();
            JsonNode f1Node = required(mm, "f1PerLabel");
            // Canonical order sorts keys; restore label order for readers.
            for (String label : labels) {
                if (f1Node.has(label)) {
                    f1.put(label, f1Node.get(label).asDouble());
                }
            }
            Iterator<String> names = f1Node.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                f1.putIfAbsent(n, f1Node.get(n).asDouble());
            }
            metrics = new ModelMetrics(
                    number(mm, "accuracy").doubleValue(),
                    number(mm, "macroF1").doubleValue(),
                    number(mm, "holdoutSize").longValue(),
                    f1);
        }
        List<WindowRange> window = new ArrayList<>();
        for (JsonNode w : required(m, "window")) {
            window.add(new WindowRange(
                    text(required(w, "topic"), "topic"),
                    number(w, "partition").intValue(),
                    number(w, "fromOffset").longValue(),
                    number(w, "toOffset").longValue(),
                    number(w, "count").longValue()));
        }
        JsonNode parent = m.get("parentVersion");
        JsonNode note = m.get("note");
        return new ModelVersion(
                number(m, "formatVersion").intValue(),
                text(required(m, "task"), "task"),
                number(m, "version").longValue(),
                parent == null || parent.isNull()
                        ? null
                        : number(m, "parentVersion").longValue(),
                text(required(m, "encoderId"), "encoderId"),
                text(required(m, "encoderChecksum"), "encoderChecksum"),
                labels,
                metrics,
                window,
                number(m, "createdAtMillis").longValue(),
                note == null || note.isNull() ? null : text(note, "note"));
    }

    private static HeadWeights readHead(JsonNode h) {
        if (h == null || !h.isObject()) {
            throw new IllegalStateException("head is missing");
        }
        List<HeadWeights.Layer> layers = new ArrayList<>();
        for (JsonNode l : required(h, "layers")) {
            layers.add(new HeadWeights.Layer(
                    number(l, "in").intValue(),
                    number(l, "out").intValue(),
                    decodeFloats(text(required(l, "weight"), "weight")),
                    decodeFloats(text(required(l, "bias"), "bias"))));
        }
        return new HeadWeights(HeadKind.fromWireName(text(required(h, "kind"), "kind")), layers);
    }

    private static JsonNode required(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalStateException("field '" + field + "' is missing");
        }
        return n;
    }

    private static Number number(JsonNode parent, String field) {
        JsonNode n = required(parent, field);
        if (!n.isNumber()) {
            throw new IllegalStateException("field '" + field + "' is not a number");
        }
        return n.numberValue();
    }

    private static String text(JsonNode n, String field) {
        if (!n.isTextual()) {
            throw new IllegalStateException("field '" + field + "' is not a string");
        }
        return n.asText();
    }

    // ---- helpers ----

    static String encodeFloats(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(buf.array());
    }

    static float[] decodeFloats(String b64) {
        byte[] raw = Base64.getDecoder().decode(b64);
        if (raw.length % 4 != 0) {
            throw new IllegalStateException("float array of " + raw.length + " bytes");
        }
        float[] out = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static HeadWeights deepCopy(HeadWeights h) {
        List<HeadWeights.Layer> layers = new ArrayList<>();
        for (HeadWeights.Layer l : h.layers()) {
            layers.add(new HeadWeights.Layer(
                    l.in(), l.out(), l.weight().clone(), l.bias().clone()));
        }
        return new HeadWeights(h.kind(), layers);
    }

    /** Sorted keys, no whitespace, UTF-8: the same bytes for the same content on any JVM. */
    static byte[] canonical(JsonNode node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writeCanonical(g, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeCanonical(JsonGenerator g, JsonNode n) throws IOException {
        if (n.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            n.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                g.writeFieldName(e.getKey());
                writeCanonical(g, e.getValue());
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (JsonNode c : n) {
                writeCanonical(g, c);
            }
            g.writeEndArray();
        } else {
            try {
                MAPPER.writeTree(g, n);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static String sha256(byte[] data) {
        return Sha256.hex(data);
    }
}
