package io.streamtune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.streamtune.cli.images.ImageRecords;

/**
 * {@code produce --images DIR}: turns the directory's image files into JSON records (see
 * {@link ImageRecords}) in a temporary JSONL file and produces that as {@code --file}, so image
 * records are validated, reported and sent exactly as any other.
 */
final class ProduceImages {

    private ProduceImages() {}

    static int produce(ProduceCommand command, Path dir, boolean examples) throws Exception {
        Path jsonl = Files.createTempFile("streamtune-images-", ".jsonl");
        try {
            int records;
            try {
                records = ImageRecords.writeJsonl(dir, examples, jsonl);
            } catch (IOException e) {
                System.err.println("error: --images " + e.getMessage());
                return 2;
            }
            System.out.printf("%d image files in %s%s%n", records, dir, examples ? " (labels from sub-folders)" : "");
            command.file = jsonl;
            command.images = null;
            command.unit = "image files";
            return command.call();
        } finally {
            Files.deleteIfExists(jsonl);
        }
    }
}
