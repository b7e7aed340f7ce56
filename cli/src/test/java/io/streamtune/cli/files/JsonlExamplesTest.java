package io.streamtune.cli.files;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.files.JsonlExamples.LabelledText;
import io.streamtune.common.config.Limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluation reader and the line splitter under it name the line they cannot use. */
class JsonlExamplesTest {
    @TempDir
    Path dir;

    @Test
    void shouldNameTheFileAndLineOfALineThatIsNotUtf8() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write("{\"text\":\"good\",\"label\":\"pos\"}\n{\"text\":\"Caf".getBytes(StandardCharsets.UTF_8));
        b.write(0xE9);
        b.write("\",\"label\":\"neg\"}\n".getBytes(StandardCharsets.UTF_8));
        Path f = dir.resolve("latin1.jsonl");
        Files.write(f, b.toByteArray());

        JsonlExamples.BadInputException e =
                assertThrows(JsonlExamples.BadInputException.class, () -> JsonlExamples.read(f));
        assertTrue(
                e.getMessage().contains("latin1.jsonl:2")
                        && e.getMessage().contains("not UTF-8")
                        && e.getMessage().contains("0xE9"),
                e.getMessage());
    }

    @Test
    void shouldReadCrlfFilesAndALastLineWithoutNewline() throws Exception {
        Path f = dir.resolve("crlf.jsonl");
        Files.writeString(
                f, "{\"text\":\"caf\u00e9 ok\",\"label\":\"pos\"}\r\n\r\n{\"text\":\"bad\",\"label\":\"neg\"}");
        assertEquals(
                List.of(new LabelledText("caf\u00e9 ok", "pos"), new LabelledText("bad", "neg")),
                JsonlExamples.read(f));
    }

    @Test
    void shouldKeepOnlyTheStartOfALineOverTheLimitAndItsFullLength() throws Exception {
        Path f = dir.resolve("long.jsonl");
        Files.writeString(f, "short\n" + "x".repeat(200_000) + "\nlast");
        try (JsonlLines lines = new JsonlLines(f, 1_000)) {
            JsonlLines.Line one = lines.next();
            assertEquals("short", new String(one.bytes(), StandardCharsets.UTF_8));
            JsonlLines.Line two = lines.next();
            assertEquals(2, two.number());
            assertEquals(200_000, two.length());
            assertEquals(1_001, two.bytes().length);
            assertTrue(two.cut());
            JsonlLines.Line three = lines.next();
            assertEquals("last", new String(three.bytes(), StandardCharsets.UTF_8));
            assertEquals(null, lines.next());
        }
    }

    @Test
    void shouldRunTheEmbeddedBrokerWithTheMessageLimitTheRecordLimitsNeed() {
        assertEquals(Limits.BROKER_MESSAGE_BYTES, EmbeddedKafkaBroker.MESSAGE_MAX_BYTES);
    }
}
