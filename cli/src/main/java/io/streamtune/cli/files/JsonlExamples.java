package io.streamtune.cli.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

/** Reads {@code {"text": ..., "label": ...}} JSONL files for the evaluation commands. */
public final class JsonlExamples {

  private static final ObjectMapper MAPPER = new ObjectMapper();

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
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = MAPPER.readTree(line);
        } catch (IOException e) {
          throw new BadInputException(file + ":" + n + ": not JSON: " + e.getMessage());
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
