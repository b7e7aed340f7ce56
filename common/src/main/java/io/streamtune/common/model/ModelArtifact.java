package io.streamtune.common.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable, self-describing model version: metadata + head weights (+ optionally a
 * reference to a fine-tuned encoder stored elsewhere), with a checksum over both.
 *
 * <h2>Format (formatVersion 1)</h2>
 *
 * UTF-8 JSON, one object:
 *
 * <pre>
 * {
 *   "encoderRef": null | {"sha256": hex, "uri": string},     // tier 2: fine-tuned encoder
 *   "format": "streamtune.model",
 *   "formatVersion": 1,
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
 * of 384x256x3 is about 530 kB.
 *
 * <pre>{@code
 * ModelArtifact a = ModelArtifact.of(meta, head);
 * byte[] bytes = a.toBytes();                    // record value on streamtune.models
 * ModelArtifact b = ModelArtifact.parse(bytes);  // throws ArtifactException with a Reason
 * ModelArtifact rolledBack = b.withMeta(newMeta); // new checksum
 * }</pre>
 */
public final class ModelArtifact {

  /** Value of the {@code format} field. */
  public static final String FORMAT_NAME = "streamtune.model";

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          // Doubles stay doubles: Double.toString round-trips exactly, so the canonical form
          // a reader recomputes equals the one the writer hashed.
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ModelVersion meta;
  private final HeadWeights head;
  private final EncoderRef encoderRef;
  private final String payloadSha256;
  private final byte[] bytes;

  private ModelArtifact(
      ModelVersion meta, HeadWeights head, EncoderRef encoderRef, String sha, byte[] bytes) {
    this.meta = meta;
    this.head = head;
    this.encoderRef = encoderRef;
    this.payloadSha256 = sha;
    this.bytes = bytes;
  }

  /** Builds an artifact; the head's arrays are copied. */
  public static ModelArtifact of(ModelVersion meta, HeadWeights head) {
    return of(meta, head, null);
  }

  /**
   * Builds an artifact that also pins a fine-tuned encoder stored outside it (tier 2).
   *
   * @param encoderRef null for a frozen encoder
   */
  public static ModelArtifact of(ModelVersion meta, HeadWeights head, EncoderRef encoderRef) {
    if (meta == null || head == null) {
      throw new IllegalArgumentException("meta and head are required");
    }
    HeadWeights copy = deepCopy(head);
    ObjectNode payload = payload(meta, copy, encoderRef);
    String sha = sha256(canonical(payload));
    payload.put("payloadSha256", sha);
    return new ModelArtifact(meta, copy, encoderRef, sha, canonical(payload));
  }

  public ModelVersion meta() {
    return meta;
  }

  /** The head weights (a copy: the artifact stays immutable). */
  public HeadWeights head() {
    return deepCopy(head);
  }

  /** Reference to a fine-tuned encoder (tier 2), if any. */
  public Optional<EncoderRef> encoderRef() {
    return Optional.ofNullable(encoderRef);
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

  /** The same head and encoder reference under new metadata, with a new checksum. */
  public ModelArtifact withMeta(ModelVersion newMeta) {
    return of(newMeta, head, encoderRef);
  }

  @Override
  public String toString() {
    return "ModelArtifact[" + meta.task() + " v" + meta.version() + ", " + head.kind() + " "
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
          ArtifactException.Reason.TRUNCATED,
          "artifact ends early after " + bytes.length + " bytes", e);
    } catch (IOException e) {
      throw new ArtifactException(
          ArtifactException.Reason.MALFORMED, "not valid JSON: " + e.getMessage(), e);
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
    if (fv.asInt() != ModelVersion.FORMAT_VERSION) {
      throw new ArtifactException(
          ArtifactException.Reason.UNSUPPORTED_FORMAT,
          "format version " + fv.asText() + " is not supported (this reader: "
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
    EncoderRef ref;
    try {
      meta = readMeta(root.get("meta"));
      ref = readRef(root.get("encoderRef"));
    } catch (RuntimeException e) {
      throw new ArtifactException(
          ArtifactException.Reason.MALFORMED, "bad metadata: " + e.getMessage() + where, e);
    }
    if (meta.formatVersion() != ModelVersion.FORMAT_VERSION) {
      throw new ArtifactException(
          ArtifactException.Reason.UNSUPPORTED_FORMAT,
          "metadata format version " + meta.formatVersion() + " is not supported" + where);
    }
    try {
      head = readHead(root.get("head"));
    } catch (IllegalArgumentException e) {
      throw new ArtifactException(
          ArtifactException.Reason.SHAPE_MISMATCH, "bad head: " + e.getMessage() + where, e);
    } catch (RuntimeException e) {
      throw new ArtifactException(
          ArtifactException.Reason.MALFORMED, "bad head: " + e.getMessage() + where, e);
    }
    if (head.outputDimension() != meta.labels().size()) {
      throw new ArtifactException(
          ArtifactException.Reason.SHAPE_MISMATCH,
          "head has " + head.outputDimension() + " outputs for " + meta.labels().size()
              + " labels" + where);
    }
    return new ModelArtifact(meta, head, ref, actual, bytes.clone());
  }

  private static String describe(JsonNode root) {
    JsonNode m = root.path("meta");
    if (m.isObject() && m.has("task")) {
      return " (task " + m.path("task").asText() + ", version " + m.path("version").asText() + ")";
    }
    return "";
  }

  // ---- writing ----

  private static ObjectNode payload(ModelVersion meta, HeadWeights head, EncoderRef ref) {
    ObjectNode root = NODES.objectNode();
    root.put("format", FORMAT_NAME);
    root.put("formatVersion", ModelVersion.FORMAT_VERSION);
    root.set("meta", writeMeta(meta));
    root.set("head", writeHead(head));
    if (ref == null) {
      root.putNull("encoderRef");
    } else {
      ObjectNode r = root.putObject("encoderRef");
      r.put("uri", ref.uri());
      r.put("sha256", ref.sha256());
    }
    return root;
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
    o.put("kind", h.kind());
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
      metrics =
          new ModelMetrics(
              number(mm, "accuracy").doubleValue(),
              number(mm, "macroF1").doubleValue(),
              number(mm, "holdoutSize").longValue(),
              f1);
    }
    List<WindowRange> window = new ArrayList<>();
    for (JsonNode w : required(m, "window")) {
      window.add(
          new WindowRange(
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
        parent == null || parent.isNull() ? null : number(m, "parentVersion").longValue(),
        text(required(m, "encoderId"), "encoderId"),
        text(required(m, "encoderChecksum"), "encoderChecksum"),
        labels,
        metrics,
        window,
        number(m, "createdAtMillis").longValue(),
        note == null || note.isNull() ? null : text(note, "note"));
  }

  private static EncoderRef readRef(JsonNode r) {
    if (r == null || r.isNull()) {
      return null;
    }
    return new EncoderRef(text(required(r, "uri"), "uri"), text(required(r, "sha256"), "sha256"));
  }

  private static HeadWeights readHead(JsonNode h) {
    if (h == null || !h.isObject()) {
      throw new IllegalStateException("head is missing");
    }
    List<HeadWeights.Layer> layers = new ArrayList<>();
    for (JsonNode l : required(h, "layers")) {
      layers.add(
          new HeadWeights.Layer(
              number(l, "in").intValue(),
              number(l, "out").intValue(),
              decodeFloats(text(required(l, "weight"), "weight")),
              decodeFloats(text(required(l, "bias"), "bias"))));
    }
    return new HeadWeights(text(required(h, "kind"), "kind"), layers);
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
      layers.add(new HeadWeights.Layer(l.in(), l.out(), l.weight().clone(), l.bias().clone()));
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
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }
}
