package io.streamtune.cli.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.streamtune.common.event.UnicodeText;
import io.streamtune.common.serde.Json;

/**
 * Reads {@code {"text": ..., "label": ...}} JSONL files for the evaluation commands. A line that
 * is not UTF-8 text, not JSON or lacks a field stops the read with an error naming the file and
 * the line: an evaluation on a silently different data set would mislead.
 */
public final class JsonlExamples {

    /** Longer lines are refused (named) rather than read into memory. */
    static final int MAX_LINE_BYTES = 64 << 20;

    private JsonlExamples() {}

    /** One labelled line. */
    public record LabelledText(String text, String label) {}

    /** A file or line the command cannot use; the message names the file (and line). */
    public static final class BadInputException extends Exception {
        private static final long serialVersionUID = 1L;

        public BadInputException(String message) {
            super(message);
        }
    }

    public static List<LabelledText> read(Path file) throws BadInputException {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("file not found: " + file);
        }
        List<LabelledText> out = new ArrayList<>();
        try (JsonlLines lines = new JsonlLines(file, MAX_LINE_BYTES)) {
            for (JsonlLines.Line l = lines.next(); l != null; l = lines.next()) {
                int n = l.number();
                if (l.blank()) {
                    continue;
                }
                if (l.cut()) {
                    throw new BadInputException(
                            file + ":" + n + ": line of " + l.length() + " bytes is over " + MAX_LINE_BYTES);
                }
                int invalid = UnicodeText.firstInvalidUtf8(l.bytes());
                if (invalid >= 0) {
                    throw new BadInputException(file + ":" + n + ": not UTF-8 text (byte 0x"
                            + String.format("%02X", l.bytes()[invalid] & 0xff) + " at byte offset " + invalid
                            + " of the line)");
                }
                String line = new String(l.bytes(), StandardCharsets.UTF_8);
                JsonNode node;
                try {
                    node = Json.mapper().readTree(line);
                } catch (JsonProcessingException e) {
                    throw new BadInputException(file + ":" + n + ": not JSON: " + e.getOriginalMessage());
                }
                JsonNode text = node.get("text");
                JsonNode label = node.get("label");
                if (text == null || !text.isTextual() || label == null || label.isNull()) {
                    throw new BadInputException(file + ":" + n + ": needs string \"text\" and a \"label\"");
                }
                out.add(new LabelledText(text.asText(), label.asText()));
            }
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new BadInputException("no examples in " + file);
        }
        return out;
    }

    /** Labels in order of first appearance. */
    public static List<String> labelsInOrder(List<LabelledText> examples) {
        LinkedHashSet<String> labels = new LinkedHashSet<>();
        for (LabelledText e : examples) {
            labels.add(e.label());
        }
        return List.copyOf(labels);
    }

    public static List<LabelledText> shuffled(List<LabelledText> examples, long seed) {
        List<LabelledText> copy = new ArrayList<>(examples);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }
}
