package io.streamtune.common.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.streamtune.common.TestTasks;

class RecordParserTest {
    private final RecordParser parser = new RecordParser(TestTasks.reviewsAndImages().tasks());

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Reason exampleReason(String json) {
        ParseResult<Example> r = parser.parseExample("reviews", b(json));
        assertTrue(!r.isOk(), () -> "expected a rejection for " + json);
        return r.reason();
    }

    @Test
    void shouldParseAValidExampleAndFillTheTaskFromTheTopic() {
        ParseResult<Example> r = parser.parseExample("reviews",
                b("{\"id\":\"a1\",\"text\":\"fine\",\"label\":\"positive\",\"ts\":5,\"attrs\":{\"source\":\"web\",\"n\":3}}"));
        assertTrue(r.isOk(), r::toString);
        assertEquals(new Example("a1", "reviews", "fine", null, "positive", 5, Map.of("source", "web", "n", "3")), r.value());
    }

    @Test
    void shouldRejectMalformedJson() {
        assertEquals(Reason.MALFORMED_JSON, exampleReason("{\"id\":"));
        assertEquals(Reason.MALFORMED_JSON, exampleReason("[1,2]"));
        assertEquals(Reason.MALFORMED_JSON, exampleReason("{\"id\":\"x\",\"text\":\"t\",\"label\":\"positive\",\"ts\":\"yesterday\"}"));
        assertEquals(Reason.MALFORMED_JSON, parser.parseEvent("reviews", new byte[0]).reason());
        assertEquals(Reason.MALFORMED_JSON, parser.parseEvent("reviews", new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b}).reason());
    }

    @Test
    void shouldRejectAMissingId() {
        assertEquals(Reason.MISSING_ID, exampleReason("{\"text\":\"t\",\"label\":\"positive\"}"));
        assertEquals(Reason.MISSING_ID, exampleReason("{\"id\":\"  \",\"text\":\"t\",\"label\":\"positive\"}"));
    }

    @Test
    void shouldRejectAnUnknownTaskOrAnotherTopicsTask() {
        assertEquals(Reason.UNKNOWN_TASK, exampleReason("{\"id\":\"1\",\"task\":\"nope\",\"text\":\"t\",\"label\":\"positive\"}"));
        assertEquals(Reason.UNKNOWN_TASK, exampleReason("{\"id\":\"1\",\"task\":\"pics\",\"text\":\"t\",\"label\":\"positive\"}"));
    }

    @Test
    void shouldRejectAMissingOrUnknownLabel() {
        assertEquals(Reason.MISSING_LABEL, exampleReason("{\"id\":\"1\",\"text\":\"t\"}"));
        ParseResult<Example> r = parser.parseExample("reviews", b("{\"id\":\"1\",\"text\":\"t\",\"label\":\"great\"}"));
        assertEquals(Reason.UNKNOWN_LABEL, r.reason());
        assertTrue(r.message().contains("great") && r.message().contains("[negative, neutral, positive]"), r.message());
    }

    @Test
    void shouldRejectEmptyAndTooLongText() {
        assertEquals(Reason.EMPTY_TEXT, exampleReason("{\"id\":\"1\",\"text\":\"   \",\"label\":\"positive\"}"));
        assertEquals(Reason.EMPTY_TEXT, exampleReason("{\"id\":\"1\",\"label\":\"positive\"}"));
        ParseResult<Event> r = parser.parseEvent("reviews", b("{\"id\":\"1\",\"text\":\"" + "x".repeat(41) + "\"}"));
        assertEquals(Reason.TEXT_TOO_LONG, r.reason());
        assertTrue(r.message().contains("maxTextChars 40"), r.message());
        assertTrue(parser.parseEvent("reviews", b("{\"id\":\"1\",\"text\":\"" + "x".repeat(40) + "\"}")).isOk());
    }

    @Test
    void shouldAcceptADecodableImageAndRejectUndecodableOrOversizeOnes() throws Exception {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        String ok = Base64.getEncoder().encodeToString(png.toByteArray());
        assertTrue(parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + ok + "\"}")).isOk());

        String notAnImage = Base64.getEncoder().encodeToString(b("hello, not a picture"));
        assertEquals(Reason.IMAGE_UNDECODABLE, parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + notAnImage + "\"}")).reason());
        assertEquals(Reason.IMAGE_UNDECODABLE, parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"%%%not-base64\"}")).reason());
        assertEquals(Reason.IMAGE_UNDECODABLE, parser.parseEvent("pics", b("{\"id\":\"1\"}")).reason());

        String big = Base64.getEncoder().encodeToString(new byte[3000]);
        assertEquals(Reason.IMAGE_TOO_LARGE, parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + big + "\"}")).reason());
    }

    @Test
    void shouldRejectATruncatedJpegAndAHugeDeclaredSizeWithoutDecodingIt() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(3);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", jpeg);
        byte[] half = java.util.Arrays.copyOf(jpeg.toByteArray(), jpeg.size() / 2);
        // ImageIO.read returns a grey-filled picture for this, with only a warning.
        assertTrue(ImageIO.read(new java.io.ByteArrayInputStream(half)) != null);
        ParseResult<Event> truncated = parser.parseEvent("pics",
                b("{\"id\":\"t\",\"image\":\"" + Base64.getEncoder().encodeToString(half) + "\"}"));
        assertEquals(Reason.IMAGE_UNDECODABLE, truncated.reason());
        assertTrue(truncated.message().contains("record t: JPEG image of 64 x 48 is truncated"), truncated.message());

        // 30000 x 30000 declared in the header of a 100-byte PNG: 2.7 GB if decoded.
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png);
        byte[] bomb = png.toByteArray();
        java.nio.ByteBuffer.wrap(bomb).putInt(16, 30_000).putInt(20, 30_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        java.nio.ByteBuffer.wrap(bomb).putInt(29, (int) crc.getValue());
        ParseResult<Event> huge = parser.parseEvent("pics",
                b("{\"id\":\"h\",\"image\":\"" + Base64.getEncoder().encodeToString(bomb) + "\"}"));
        assertEquals(Reason.IMAGE_UNDECODABLE, huge.reason());
        assertTrue(huge.message().contains("30000 x 30000") && huge.message().contains("refused before decoding"),
                huge.message());
    }
}
