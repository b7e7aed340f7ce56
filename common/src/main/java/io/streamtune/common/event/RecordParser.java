package io.streamtune.common.event;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.streamtune.common.config.Limits;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.serde.Json;

/**
 * Turns the bytes of an example or event into a validated record or a {@link Reason}. Services
 * consume bytes and call this inside their processing, so bad input never fails a
 * deserializer and always reaches the dead-letter topic with its original bytes.
 *
 * <pre>{@code
 * RecordParser parser = RecordParser.of(config);
 * ParseResult<Example> r = parser.parseExample("reviews", record.key(), record.value(), record.headers());
 * }</pre>
 *
 * <p>The checks, in order (the first that fails names the reason):
 * <ol>
 *   <li>the record (key + value + headers, see {@link #recordSize}) is at most
 *       {@code limits.recordBytes}, else {@link Reason#RECORD_TOO_LARGE};</li>
 *   <li>the value is UTF-8 text holding exactly one JSON object (trailing content such as a second
 *       JSON line is an error, and so is a repeated field name) whose strings are Unicode text (no
 *       lone UTF-16 surrogate, e.g. the escape {@code "\ud800"}); each known field has its type:
 *       {@code id}, {@code task}, {@code text}, {@code image}, {@code label} strings, {@code ts} an
 *       integer &gt;= 0 (epoch milliseconds), {@code attrs} an object of strings; else
 *       {@link Reason#MALFORMED_JSON}, naming the field. A field that is {@code null} counts as
 *       absent;</li>
 *   <li>{@code id}, {@code task}, then the text or the image, then (examples) the label.</li>
 * </ol>
 * A text task's text must hold a visible character ({@link UnicodeText}) and at most
 * {@code maxTextChars} characters, counted as Unicode code points.
 *
 * <p>An image task's image must be base64 of at most {@code maxImageBytes} bytes whose header declares
 * at most {@code image.maxPixels} pixels; with {@link ImageValidation#DECODE} (the default) it must also
 * decode without a warning, with {@link ImageValidation#HEADER} its pixels are left to the caller.
 *
 * <p>The {@code task} field may be omitted: the topic names the task. When present it must be a
 * configured task and the topic's own.
 */
public final class RecordParser {
    private static final List<String> STRING_FIELDS = List.of("id", "task", "text", "image", "label");

    private final Map<String, TaskConfig> tasks;
    private final Limits limits;
    private final ImageValidation images;

    /** A parser that decodes every image in full ({@link ImageValidation#DECODE}). */
    public RecordParser(Map<String, TaskConfig> tasks, Limits limits) {
        this(tasks, limits, ImageValidation.DECODE);
    }

    /**
     * @param images how far an image record's picture is checked
     */
    public RecordParser(Map<String, TaskConfig> tasks, Limits limits, ImageValidation images) {
        this.tasks = Map.copyOf(tasks);
        this.limits = limits;
        this.images = images;
    }

    /** The parser of a deployment: its tasks and its record limit; images decoded in full. */
    public static RecordParser of(StreamtuneConfig config) {
        return of(config, ImageValidation.DECODE);
    }

    /** The parser of a deployment, checking images as far as {@code images} says. */
    public static RecordParser of(StreamtuneConfig config, ImageValidation images) {
        return new RecordParser(config.tasks(), config.limits(), images);
    }

    /** How far this parser checks images. */
    public ImageValidation imageValidation() {
        return images;
    }

    public Limits limits() {
        return limits;
    }

    /** An example without key or headers (a line of a file): only the value counts towards the size limit. */
    public ParseResult<Example> parseExample(String topicTask, byte[] value) {
        return parseExample(topicTask, null, value, null);
    }

    /** An example as consumed: key, value and headers count towards {@code limits.recordBytes}. */
    public ParseResult<Example> parseExample(String topicTask, byte[] key, byte[] value, Headers headers) {
        Fields f = new Fields();
        ParseResult<TaskConfig> common = parseCommon(topicTask, key, value, headers, f);
        if (!common.isOk()) {
            return ParseResult.rejected(common.reason(), common.message());
        }
        TaskConfig task = common.value();
        JsonNode labelNode = f.node.get("label");
        if (labelNode == null || labelNode.isNull() || labelNode.asText().isBlank()) {
            return ParseResult.rejected(
                    Reason.MISSING_LABEL,
                    "record " + f.id + " has no label (task " + task.name() + " expects one of " + task.labels() + ")");
        }
        String label = labelNode.asText().trim();
        if (task.labelIndex(label) < 0) {
            return ParseResult.rejected(
                    Reason.UNKNOWN_LABEL,
                    "record " + f.id + ": label '" + label + "' is not in task " + task.name() + "'s labels "
                            + task.labels());
        }
        return ParseResult.ok(new Example(f.id, task.name(), f.text, f.image, label, f.ts, f.attrs));
    }

    /** An event without key or headers (a line of a file): only the value counts towards the size limit. */
    public ParseResult<Event> parseEvent(String topicTask, byte[] value) {
        return parseEvent(topicTask, null, value, null);
    }

    /** An event as consumed: key, value and headers count towards {@code limits.recordBytes}. */
    public ParseResult<Event> parseEvent(String topicTask, byte[] key, byte[] value, Headers headers) {
        Fields f = new Fields();
        ParseResult<TaskConfig> common = parseCommon(topicTask, key, value, headers, f);
        if (!common.isOk()) {
            return ParseResult.rejected(common.reason(), common.message());
        }
        return ParseResult.ok(new Event(f.id, common.value().name(), f.text, f.image, f.ts, f.attrs));
    }

    /**
     * The size of a record as it counts against {@code limits.recordBytes}: the bytes of the key,
     * the value and each header's name (UTF-8) and value. Kafka's own framing (length varints,
     * offsets and timestamps, tens of bytes) is left out.
     */
    public static long recordSize(byte[] key, byte[] value, Headers headers) {
        return (key == null ? 0 : key.length) + (value == null ? 0 : value.length) + headersSize(headers);
    }

    /** The bytes of the headers' names (UTF-8) and values. */
    public static long headersSize(Headers headers) {
        long n = 0;
        if (headers != null) {
            for (Header h : headers) {
                n += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
            }
        }
        return n;
    }

    private static final class Fields {
        JsonNode node;
        String id;
        String text;
        String image;
        long ts;
        Map<String, String> attrs = Map.of();
    }

    private ParseResult<TaskConfig> parseCommon(String topicTask, byte[] key, byte[] bytes, Headers headers, Fields f) {
        long size = recordSize(key, bytes, headers);
        if (size > limits.recordBytes()) {
            return ParseResult.rejected(
                    Reason.RECORD_TOO_LARGE,
                    "record of " + size + " bytes (key "
                            + (key == null ? 0 : key.length) + ", value " + (bytes == null ? 0 : bytes.length)
                            + ", headers "
                            + headersSize(headers) + ") is over " + Limits.SECTION + "." + Limits.RECORD_BYTES.key()
                            + " "
                            + limits.recordBytes());
        }
        if (bytes == null || bytes.length == 0) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "empty record value (expected a JSON object)");
        }
        int invalid = UnicodeText.firstInvalidUtf8(bytes);
        if (invalid >= 0) {
            return ParseResult.rejected(
                    Reason.MALFORMED_JSON,
                    "record value is not UTF-8 text (byte 0x" + String.format("%02X", bytes[invalid] & 0xff)
                            + " at byte offset " + invalid + ")");
        }
        ParseResult<JsonNode> one = readOneValue(new String(bytes, StandardCharsets.UTF_8));
        if (!one.isOk()) {
            return ParseResult.rejected(one.reason(), one.message());
        }
        f.node = one.value();
        if (!f.node.isObject()) {
            return ParseResult.rejected(
                    Reason.MALFORMED_JSON,
                    "expected a JSON object, got "
                            + f.node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        String typeError = typeError(f.node);
        if (typeError != null) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, prefix(f.node) + typeError);
        }
        String surrogate = loneSurrogate(f.node, "");
        if (surrogate != null) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, prefix(f.node) + surrogate);
        }
        JsonNode id = f.node.get("id");
        if (id == null || id.isNull() || id.asText().isBlank()) {
            return ParseResult.rejected(Reason.MISSING_ID, "record has no id (a non-empty string is required)");
        }
        f.id = id.asText().trim();

        JsonNode taskNode = f.node.get("task");
        String taskName = taskNode == null || taskNode.isNull()
                ? topicTask
                : taskNode.asText().trim();
        TaskConfig task = taskName == null ? null : tasks.get(taskName);
        if (task == null) {
            return ParseResult.rejected(
                    Reason.UNKNOWN_TASK,
                    "record " + f.id + " names task '" + taskName + "', which is not configured (configured: "
                            + tasks.keySet() + ")");
        }
        if (topicTask != null && !topicTask.equals(task.name())) {
            return ParseResult.rejected(
                    Reason.UNKNOWN_TASK,
                    "record " + f.id + " names task '" + taskName + "' but arrived on a topic of task '" + topicTask
                            + "'");
        }

        JsonNode ts = f.node.get("ts");
        if (ts != null && !ts.isNull()) {
            f.ts = ts.longValue();
        }
        JsonNode attrs = f.node.get("attrs");
        if (attrs != null && !attrs.isNull()) {
            Map<String, String> a = new LinkedHashMap<>();
            attrs.fields().forEachRemaining(e -> a.put(e.getKey(), e.getValue().asText()));
            f.attrs = a;
        }

        if (task.modality() == Modality.TEXT) {
            JsonNode textNode = f.node.get("text");
            if (textNode == null || textNode.isNull() || !UnicodeText.hasVisibleCharacter(textNode.asText())) {
                return ParseResult.rejected(
                        Reason.EMPTY_TEXT,
                        "record " + f.id + " has no visible text (absent, or"
                                + " only white space, control, format or other invisible characters; task "
                                + task.name()
                                + " classifies text)");
            }
            f.text = textNode.asText();
            int chars = UnicodeText.characters(f.text);
            if (chars > task.maxTextChars()) {
                return ParseResult.rejected(
                        Reason.TEXT_TOO_LONG,
                        "record " + f.id + ": text has " + chars
                                + " characters (Unicode code points), over task " + task.name() + "'s maxTextChars "
                                + task.maxTextChars());
            }
        } else {
            ParseResult<String> image = checkImage(f.id, f.node.get("image"), task);
            if (!image.isOk()) {
                return ParseResult.rejected(image.reason(), image.message());
            }
            f.image = image.value();
        }
        return ParseResult.ok(task);
    }

    /** Exactly one JSON value, with no repeated field names and nothing but white space after it. */
    private static ParseResult<JsonNode> readOneValue(String text) {
        try (JsonParser parser = Json.mapper().createParser(text)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonNode node = Json.mapper().readTree(parser);
            if (node == null || node.isMissingNode()) {
                return ParseResult.rejected(
                        Reason.MALFORMED_JSON, "record value holds no JSON value (expected a JSON object)");
            }
            JsonToken next;
            try {
                next = parser.nextToken();
            } catch (JsonProcessingException e) {
                return ParseResult.rejected(
                        Reason.MALFORMED_JSON,
                        "content after the JSON object is not JSON (" + e.getOriginalMessage() + where(e.getLocation())
                                + "); a record holds one JSON object");
            }
            if (next != null) {
                return ParseResult.rejected(
                        Reason.MALFORMED_JSON,
                        "more than one JSON value in one record (the next starts"
                                + where(parser.currentTokenLocation()) + "); a record holds exactly one JSON object:"
                                + " send a JSONL file one line per record");
            }
            return ParseResult.ok(node);
        } catch (JsonProcessingException e) {
            return ParseResult.rejected(
                    Reason.MALFORMED_JSON,
                    "not valid JSON: " + firstLine(e.getOriginalMessage()) + where(e.getLocation()));
        } catch (IOException e) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String where(JsonLocation at) {
        return at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** The first known field of the wrong type, as a message naming it, or null. */
    private static String typeError(JsonNode node) {
        for (String field : STRING_FIELDS) {
            JsonNode v = node.get(field);
            if (v != null && !v.isNull() && !v.isTextual()) {
                return "field '" + field + "' must be a string, got " + describe(v);
            }
        }
        JsonNode ts = node.get("ts");
        if (ts != null && !ts.isNull() && (!ts.isIntegralNumber() || !ts.canConvertToLong() || ts.longValue() < 0)) {
            return "field 'ts' must be epoch milliseconds (an integer >= 0), got " + describe(ts);
        }
        JsonNode attrs = node.get("attrs");
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                return "field 'attrs' must be an object of strings, got " + describe(attrs);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    return "field 'attrs' must be an object of strings, but attrs." + e.getKey() + " is "
                            + describe(e.getValue());
                }
            }
        }
        return null;
    }

    private static String describe(JsonNode v) {
        String type = v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        if (v.isContainerNode()) {
            return type;
        }
        String s = v.toString();
        return type + " " + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    /** The first field name or string value (depth first) holding a lone surrogate, as a message, or null. */
    private static String loneSurrogate(JsonNode node, String path) {
        if (node.isTextual()) {
            int at = UnicodeText.firstLoneSurrogate(node.textValue());
            return at < 0
                    ? null
                    : "field '" + path + "' holds a lone UTF-16 surrogate (\\u"
                            + String.format("%04x", (int) node.textValue().charAt(at)) + " at character " + at
                            + "), which is not Unicode text";
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (UnicodeText.firstLoneSurrogate(e.getKey()) >= 0) {
                    return "a field name in '" + (path.isEmpty() ? "the record" : path)
                            + "' holds a lone UTF-16 surrogate, which is not Unicode text";
                }
                String found = loneSurrogate(e.getValue(), child);
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = loneSurrogate(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** "record ID: " when the id is a usable string, "record: " otherwise. */
    private static String prefix(JsonNode node) {
        JsonNode id = node.get("id");
        return id != null && id.isTextual() && !id.asText().isBlank() && UnicodeText.firstLoneSurrogate(id.asText()) < 0
                ? "record " + id.asText().trim() + ": "
                : "record: ";
    }

    private ParseResult<String> checkImage(String id, JsonNode imageNode, TaskConfig task) {
        if (imageNode == null || imageNode.isNull() || imageNode.asText().isBlank()) {
            return ParseResult.rejected(
                    Reason.IMAGE_UNDECODABLE, "record " + id + " has no image (base64 of a PNG, JPEG, GIF or BMP)");
        }
        String b64 = imageNode.asText();
        // base64 is 4/3 of the bytes: reject an oversize image before decoding it.
        if ((long) b64.length() * 3 / 4 > task.maxImageBytes() + 3L) {
            return ParseResult.rejected(
                    Reason.IMAGE_TOO_LARGE,
                    "record " + id + ": image of about " + (b64.length() * 3L / 4) + " bytes is over task "
                            + task.name() + "'s maxImageBytes " + task.maxImageBytes());
        }
        byte[] bytes;
        try {
            bytes = ImagePreprocessor.fromBase64(b64);
        } catch (ImageException e) {
            return ParseResult.rejected(Reason.IMAGE_UNDECODABLE, "record " + id + ": " + e.getMessage());
        }
        if (bytes.length > task.maxImageBytes()) {
            return ParseResult.rejected(
                    Reason.IMAGE_TOO_LARGE,
                    "record " + id + ": image of " + bytes.length + " bytes is over task " + task.name()
                            + "'s maxImageBytes " + task.maxImageBytes());
        }
        try {
            // Header first: a small file declaring huge dimensions is refused before it is decoded.
            if (images == ImageValidation.HEADER) {
                ImagePreprocessor.probe(bytes, task.image().maxPixels());
            } else {
                // A truncated JPEG is refused here instead of being read as a grey-filled picture.
                ImagePreprocessor.decode(bytes, task.image().maxPixels());
            }
        } catch (ImageException e) {
            return ParseResult.rejected(Reason.IMAGE_UNDECODABLE, "record " + id + ": " + e.getMessage());
        }
        return ParseResult.ok(b64);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
