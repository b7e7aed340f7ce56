package io.streamtune.cli.images;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.streamtune.common.serde.Json;

/**
 * The records {@code produce --images} sends: one JSON object per image file,
 * {@code {"id": <file name without extension>, "image": <base64 of the file's bytes>, "label": <sub-folder>}}
 * ({@code label} only for examples), the bytes as they are on disk. Written as JSONL, so the
 * produce command validates and sends them as it does a {@code --file}.
 */
public final class ImageRecords {

    private ImageRecords() {}

    /**
     * Writes the records of a directory to a JSONL file.
     *
     * @param dir      an ImageFolder directory (examples) or a directory of image files (events)
     * @param examples whether to read labels from sub-folders
     * @param out      the JSONL file to write
     * @return the number of records written
     * @throws IOException as {@link ImageFolder#examples} / {@link ImageFolder#events}, or on writing
     */
    public static int writeJsonl(Path dir, boolean examples, Path out) throws IOException {
        List<ImageFolder.Entry> entries = examples ? ImageFolder.examples(dir) : ImageFolder.events(dir);
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (ImageFolder.Entry e : entries) {
                w.write(line(e, Files.readAllBytes(e.file())));
                w.newLine();
            }
        }
        return entries.size();
    }

    /** One record as a JSON line. */
    public static String line(ImageFolder.Entry entry, byte[] imageBytes) throws IOException {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("id", entry.id());
        node.put("image", Base64.getEncoder().encodeToString(imageBytes));
        if (entry.label() != null) {
            node.put("label", entry.label());
        }
        return Json.mapper().writeValueAsString(node);
    }
}
