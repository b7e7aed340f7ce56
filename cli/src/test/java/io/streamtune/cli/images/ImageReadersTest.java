package io.streamtune.cli.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageReadersTest {

    @TempDir
    Path dir;

    @Test
    void shouldReadIdxImagesWithTheLabelFileBesideThem() throws IOException {
        Path images = ImageFixtures.writeIdx(dir, "train", 10, 1);
        IdxImages idx = IdxImages.read(images);
        assertEquals(10, idx.size());
        assertEquals(12, idx.rows());
        assertEquals(2, idx.labelCount());
        assertEquals(1, idx.labels()[3]);
        assertEquals(144, idx.pixels()[0].length);
        assertEquals(idx.pixels()[4][17] & 0xff, idx.image(4).getRaster().getSample(5, 1, 0));
        assertTrue(IdxImages.isIdxImages(images));
    }

    @Test
    void shouldNameTheMissingLabelFile() throws IOException {
        Path images = ImageFixtures.writeIdx(dir, "t10k", 4, 1);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> IdxImages.read(images));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte.gz"), e.getMessage());
    }

    @Test
    void shouldListAnImageFolderByLabelWithIdsFromFileNames() throws IOException {
        ImageFixtures.writeImageFolder(dir, 3, 1);
        Files.writeString(dir.resolve("vertical").resolve("notes.txt"), "not an image");
        Files.writeString(dir.resolve("README"), "top-level files are not examples");
        List<ImageFolder.Entry> examples = ImageFolder.examples(dir);
        assertEquals(6, examples.size());
        assertEquals(
                new ImageFolder.Entry("h-000", "horizontal", dir.resolve("horizontal/h-000.png")), examples.get(0));
        assertEquals(List.of("horizontal", "vertical"), ImageFolder.labels(examples));
        List<ImageFolder.Entry> events = ImageFolder.events(dir.resolve("vertical"));
        assertEquals(3, events.size());
        assertNull(events.get(0).label());
    }

    @Test
    void shouldRefuseTwoImagesWithTheSameId() throws IOException {
        ImageFixtures.writeImageFolder(dir, 1, 1);
        Files.copy(dir.resolve("horizontal/h-000.png"), dir.resolve("vertical/h-000.png"));
        IOException e = assertThrows(IOException.class, () -> ImageFolder.examples(dir));
        assertTrue(e.getMessage().contains("two images have the id 'h-000'"), e.getMessage());
    }

    @Test
    void shouldWriteOneRecordPerImageWithTheFilesBytes() throws IOException {
        ImageFixtures.writeImageFolder(dir.resolve("in"), 2, 1);
        Path out = dir.resolve("records.jsonl");
        assertEquals(4, ImageRecords.writeJsonl(dir.resolve("in"), true, out));
        List<String> lines = Files.readAllLines(out);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        assertEquals("h-000", first.get("id").asText());
        assertEquals("horizontal", first.get("label").asText());
        assertEquals(
                List.of(Files.readAllBytes(dir.resolve("in/horizontal/h-000.png")))
                        .get(0)
                        .length,
                Base64.getDecoder().decode(first.get("image").asText()).length);
        assertEquals(2, ImageRecords.writeJsonl(dir.resolve("in/vertical"), false, out));
        assertNull(Json.mapper().readTree(Files.readAllLines(out).get(0)).get("label"));
    }
}
