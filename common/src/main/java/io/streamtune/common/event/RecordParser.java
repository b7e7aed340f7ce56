package io.streamtune.common.event;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.streamtune.common.config.Modality;
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
 * RecordParser parser = new RecordParser(config.tasks());
 * ParseResult<Example> r = parser.parseExample("reviews", record.value());
 * }</pre>
 *
 * <p>The {@code task} field may be omitted: the topic names the task. When present it must be a
 * configured task and the topic's own.
 */
public final class RecordParser {
    private final Map<String, TaskConfig> tasks;

    public RecordParser(Map<String, TaskConfig> tasks) {
        this.tasks = Map.copyOf(tasks);
    }

    public ParseResult<Example> parseExample(String topicTask, byte[] bytes) {
        Fields f = new Fields();
        ParseResult<TaskConfig> common = parseCommon(topicTask, bytes, f);
        if (!common.isOk()) {
            return ParseResult.rejected(common.reason(), common.message());
        }
        TaskConfig task = common.value();
        JsonNode labelNode = f.node.get("label");
        if (labelNode == null || labelNode.isNull() || labelNode.asText().isBlank()) {
            return ParseResult.rejected(Reason.MISSING_LABEL, "record " + f.id + " has no label (task " + task.name()
                    + " expects one of " + task.labels() + ")");
        }
        if (!labelNode.isValueNode()) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "record " + f.id + ": label must be a string");
        }
        String label = labelNode.asText().trim();
        if (task.labelIndex(label) < 0) {
            return ParseResult.rejected(Reason.UNKNOWN_LABEL, "record " + f.id + ": label '" + label
                    + "' is not in task " + task.name() + "'s labels " + task.labels());
        }
        return ParseResult.ok(new Example(f.id, task.name(), f.text, f.image, label, f.ts, f.attrs));
    }

    public ParseResult<Event> parseEvent(String topicTask, byte[] bytes) {
        Fields f = new Fields();
        ParseResult<TaskConfig> common = parseCommon(topicTask, bytes, f);
        if (!common.isOk()) {
            return ParseResult.rejected(common.reason(), common.message());
        }
        return ParseResult.ok(new Event(f.id, common.value().name(), f.text, f.image, f.ts, f.attrs));
    }

    private static final class Fields {
        JsonNode node;
        String id;
        String text;
        String image;
        long ts;
        Map<String, String> attrs = Map.of();
    }

    private ParseResult<TaskConfig> parseCommon(String topicTask, byte[] bytes, Fields f) {
        if (bytes == null || bytes.length == 0) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "empty record value (expected a JSON object)");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "record value is not UTF-8 text");
        }
        try {
            f.node = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
        if (f.node == null || !f.node.isObject()) {
            return ParseResult.rejected(Reason.MALFORMED_JSON, "expected a JSON object, got "
                    + (f.node == null ? "nothing" : f.node.getNodeType().toString().toLowerCase()));
        }
        JsonNode id = f.node.get("id");
        if (id == null || id.isNull() || !id.isValueNode() || id.asText().isBlank()) {
            return ParseResult.rejected(Reason.MISSING_ID, "record has no id (a non-empty string is required)");
        }
        f.id = id.asText().trim();

        JsonNode taskNode = f.node.get("task");
        String taskName = taskNode == null || taskNode.isNull() ? topicTask : taskNode.asText().trim();
        TaskConfig task = taskName == null ? null : tasks.get(taskName);
        if (task == null) {
            return ParseResult.rejected(Reason.UNKNOWN_TASK, "record " + f.id + " names task '" + taskName
                    + "', which is not configured (configured: " + tasks.keySet() + ")");
        }
        if (topicTask != null && !topicTask.equals(task.name())) {
            return ParseResult.rejected(Reason.UNKNOWN_TASK, "record " + f.id + " names task '" + taskName
                    + "' but arrived on a topic of task '" + topicTask + "'");
        }

        JsonNode ts = f.node.get("ts");
        if (ts != null && !ts.isNull()) {
            if (!ts.canConvertToLong() || !ts.isIntegralNumber()) {
                return ParseResult.rejected(Reason.MALFORMED_JSON, "record " + f.id + ": ts must be epoch milliseconds (an integer)");
            }
            f.ts = ts.longValue();
        }
        JsonNode attrs = f.node.get("attrs");
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                return ParseResult.rejected(Reason.MALFORMED_JSON, "record " + f.id + ": attrs must be an object of strings");
            }
            Map<String, String> a = new LinkedHashMap<>();
            attrs.fields().forEachRemaining(e -> a.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
            f.attrs = a;
        }

        if (task.modality() == Modality.TEXT) {
            JsonNode text = f.node.get("text");
            if (text == null || text.isNull() || !text.isValueNode() || text.asText().isBlank()) {
                return ParseResult.rejected(Reason.EMPTY_TEXT, "record " + f.id + " has no text (task " + task.name() + " classifies text)");
            }
            f.text = text.asText();
            if (f.text.length() > task.maxTextChars()) {
                return ParseResult.rejected(Reason.TEXT_TOO_LONG, "record " + f.id + ": text has " + f.text.length()
                        + " characters, over task " + task.name() + "'s maxTextChars " + task.maxTextChars());
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

    private static ParseResult<String> checkImage(String id, JsonNode imageNode, TaskConfig task) {
        if (imageNode == null || imageNode.isNull() || !imageNode.isTextual() || imageNode.asText().isBlank()) {
            return ParseResult.rejected(Reason.IMAGE_UNDECODABLE, "record " + id + " has no image (base64 of a PNG or JPEG)");
        }
        String b64 = imageNode.asText();
        // base64 is 4/3 of the bytes: reject an oversize image before decoding it.
        if ((long) b64.length() * 3 / 4 > task.maxImageBytes() + 3L) {
            return ParseResult.rejected(Reason.IMAGE_TOO_LARGE, "record " + id + ": image of about " + (b64.length() * 3L / 4)
                    + " bytes is over task " + task.name() + "'s maxImageBytes " + task.maxImageBytes());
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return ParseResult.rejected(Reason.IMAGE_UNDECODABLE, "record " + id + ": image is not valid base64: " + e.getMessage());
        }
        if (bytes.length > task.maxImageBytes()) {
            return ParseResult.rejected(Reason.IMAGE_TOO_LARGE, "record " + id + ": image of " + bytes.length
                    + " bytes is over task " + task.name() + "'s maxImageBytes " + task.maxImageBytes());
        }
        try {
            // Header first: a small file declaring huge dimensions is refused before it is decoded,
            // and a truncated JPEG is refused instead of being read as a grey-filled picture.
            ImagePreprocessor.decode(bytes, ImagePreprocessor.DEFAULT_MAX_PIXELS);
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
