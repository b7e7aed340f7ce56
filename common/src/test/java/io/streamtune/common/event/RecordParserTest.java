package io.streamtune.common.event;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.streamtune.common.TestTasks;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.image.GeneratedShapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordParserTest {
    private final RecordParser parser = RecordParser.of(TestTasks.reviewsAndImages());

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
        ParseResult<Example> r = parser.parseExample(
                "reviews",
                b("{\"id\":\"a1\",\"text\":\"fine\",\"label\":\"positive\",\"ts\":5,"
                        + "\"attrs\":{\"source\":\"web\",\"n\":\"3\"}}"));
        assertTrue(r.isOk(), r::toString);
        assertEquals(
                new Example("a1", "reviews", "fine", null, "positive", 5, Map.of("source", "web", "n", "3")),
                r.value());
    }

    @Test
    void shouldRejectMalformedJson() {
        assertEquals(Reason.MALFORMED_JSON, exampleReason("{\"id\":"));
        assertEquals(Reason.MALFORMED_JSON, exampleReason("[1,2]"));
        assertEquals(
                Reason.MALFORMED_JSON,
                exampleReason("{\"id\":\"x\",\"text\":\"t\",\"label\":\"positive\",\"ts\":\"yesterday\"}"));
        assertEquals(
                Reason.MALFORMED_JSON, parser.parseEvent("reviews", new byte[0]).reason());
        assertEquals(
                Reason.MALFORMED_JSON,
                parser.parseEvent("reviews", new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b})
                        .reason());
    }

    @Test
    void shouldRejectAMissingId() {
        assertEquals(Reason.MISSING_ID, exampleReason("{\"text\":\"t\",\"label\":\"positive\"}"));
        assertEquals(Reason.MISSING_ID, exampleReason("{\"id\":\"  \",\"text\":\"t\",\"label\":\"positive\"}"));
    }

    @Test
    void shouldRejectAnUnknownTaskOrAnotherTopicsTask() {
        assertEquals(
                Reason.UNKNOWN_TASK,
                exampleReason("{\"id\":\"1\",\"task\":\"nope\",\"text\":\"t\",\"label\":\"positive\"}"));
        assertEquals(
                Reason.UNKNOWN_TASK,
                exampleReason("{\"id\":\"1\",\"task\":\"pics\",\"text\":\"t\",\"label\":\"positive\"}"));
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
        assertTrue(parser.parseEvent("reviews", b("{\"id\":\"1\",\"text\":\"" + "x".repeat(40) + "\"}"))
                .isOk());
    }

    @Test
    void shouldAcceptADecodableImageAndRejectUndecodableOrOversizeOnes() throws Exception {
        byte[] png = GeneratedShapes.png(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY));
        String ok = Base64.getEncoder().encodeToString(png);
        assertTrue(parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + ok + "\"}"))
                .isOk());

        String notAnImage = Base64.getEncoder().encodeToString(b("hello, not a picture"));
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + notAnImage + "\"}"))
                        .reason());
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"%%%not-base64\"}"))
                        .reason());
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                parser.parseEvent("pics", b("{\"id\":\"1\"}")).reason());

        String big = Base64.getEncoder().encodeToString(new byte[3000]);
        assertEquals(
                Reason.IMAGE_TOO_LARGE,
                parser.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"" + big + "\"}"))
                        .reason());
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
        ParseResult<Event> truncated = parser.parseEvent(
                "pics", b("{\"id\":\"t\",\"image\":\"" + Base64.getEncoder().encodeToString(half) + "\"}"));
        assertEquals(Reason.IMAGE_UNDECODABLE, truncated.reason());
        assertTrue(truncated.message().contains("record t: JPEG image of 64 x 48 is truncated"), truncated.message());

        // 30000 x 30000 declared in the header of a 100-byte PNG: 2.7 GB if decoded.
        byte[] bomb = GeneratedShapes.png(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB));
        java.nio.ByteBuffer.wrap(bomb).putInt(16, 30_000).putInt(20, 30_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        java.nio.ByteBuffer.wrap(bomb).putInt(29, (int) crc.getValue());
        ParseResult<Event> huge = parser.parseEvent(
                "pics", b("{\"id\":\"h\",\"image\":\"" + Base64.getEncoder().encodeToString(bomb) + "\"}"));
        assertEquals(Reason.IMAGE_UNDECODABLE, huge.reason());
        assertTrue(
                huge.message().contains("30000 x 30000") && huge.message().contains("refused before decoding"),
                huge.message());
    }

    /** A 16 x 16 grey PNG of noise (about 300 bytes: noise does not compress). */
    private static byte[] noisePng() throws Exception {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        java.util.Random r = new java.util.Random(5);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.getRaster().setSample(x, y, 0, r.nextInt(256));
            }
        }
        return GeneratedShapes.png(img);
    }

    private static byte[] imageEvent(String id, byte[] picture) {
        return b("{\"id\":\"" + id + "\",\"image\":\"" + Base64.getEncoder().encodeToString(picture) + "\"}");
    }

    @Test
    void shouldAcceptAHeaderValidTruncatedPngWithoutDecodingItWhenCheckingHeadersOnly() throws Exception {
        RecordParser headers = RecordParser.of(TestTasks.reviewsAndImages(), ImageValidation.HEADER);
        byte[] png = noisePng();
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);

        // The pixels are not decoded: the picture's data stream ends half way, and the header check passes.
        ParseResult<Event> accepted = headers.parseEvent("pics", imageEvent("t", truncated));
        assertTrue(accepted.isOk(), accepted::toString);
        assertEquals(
                Base64.getEncoder().encodeToString(truncated), accepted.value().image());
        // The full check refuses the same record: that decode is left to whoever builds the tensor.
        ParseResult<Event> decoded = parser.parseEvent("pics", imageEvent("t", truncated));
        assertEquals(Reason.IMAGE_UNDECODABLE, decoded.reason());
        assertTrue(decoded.message().contains("PNG image of 16 x 16 is truncated"), decoded.message());

        // What the header shows is still refused.
        assertTrue(headers.parseEvent("pics", imageEvent("ok", png)).isOk());
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                headers.parseEvent("pics", imageEvent("x", b("hello, not a picture")))
                        .reason());
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                headers.parseEvent("pics", b("{\"id\":\"1\",\"image\":\"%%%not-base64\"}"))
                        .reason());
        assertEquals(
                Reason.IMAGE_UNDECODABLE,
                headers.parseEvent("pics", imageEvent("h", java.util.Arrays.copyOf(png, 12)))
                        .reason(),
                "cut inside the header");
        assertEquals(
                Reason.IMAGE_TOO_LARGE,
                headers.parseEvent("pics", imageEvent("big", new byte[3000])).reason());
        byte[] bomb = png.clone();
        java.nio.ByteBuffer.wrap(bomb).putInt(16, 30_000).putInt(20, 30_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        java.nio.ByteBuffer.wrap(bomb).putInt(29, (int) crc.getValue());
        ParseResult<Event> huge = headers.parseEvent("pics", imageEvent("h", bomb));
        assertEquals(Reason.IMAGE_UNDECODABLE, huge.reason());
        assertTrue(huge.message().contains("30000 x 30000"), huge.message());
        assertEquals(ImageValidation.DECODE, parser.imageValidation(), "the default decodes in full");
    }

    // ---- issue 9, faults 1 (size), 6 and 7 ----

    private static Reason reason(ParseResult<?> r, String what) {
        assertFalse(r.isOk(), () -> "expected a rejection for " + what + ", got " + r);
        return r.reason();
    }

    private ParseResult<Event> event(String json) {
        return parser.parseEvent("reviews", b(json));
    }

    @Test
    void shouldRejectARecordHoldingTwoJsonValuesAsMalformed() {
        // What kcat -P sends when given a JSONL file: two lines in one record value.
        ParseResult<Event> two = event("{\"id\":\"n-1\",\"text\":\"Shares jump after record quarter\"}\n"
                + "{\"id\":\"n-2\",\"text\":\"Shares tumble after profit warning\"}\n");
        assertEquals(Reason.MALFORMED_JSON, reason(two, "two JSON lines"));
        assertTrue(
                two.message().contains("more than one JSON value")
                        && two.message().contains("line 2"),
                two.message());

        ParseResult<Event> garbage = event("{\"id\":\"n-3\",\"text\":\"fine\"} trailing words");
        assertEquals(Reason.MALFORMED_JSON, reason(garbage, "garbage after the object"));
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(event("{\"id\":\"n-4\",\"text\":\"fine\"}{}"), "an object after the object"));
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(event("{\"id\":\"n-5\",\"text\":\"fine\"} 42"), "a number after the object"));
        ParseResult<Event> twice = event("{\"id\":\"n-6\",\"text\":\"one\",\"text\":\"two\"}");
        assertEquals(Reason.MALFORMED_JSON, reason(twice, "a repeated field"));
        assertTrue(twice.message().contains("text"), twice.message());

        assertTrue(event("{\"id\":\"n-7\",\"text\":\"fine\"}\r\n  \n").isOk(), "white space after the object is fine");
    }

    @Test
    void shouldRejectEachFieldOfTheWrongTypeAsMalformedNamingTheField() {
        Map<String, String> wrong = new java.util.LinkedHashMap<>();
        wrong.put("id", "{\"id\":42,\"text\":\"fine\"}");
        wrong.put("task", "{\"id\":\"t\",\"task\":7,\"text\":\"fine\"}");
        wrong.put("text", "{\"id\":\"t\",\"text\":123}");
        wrong.put("image", "{\"id\":\"t\",\"text\":\"fine\",\"image\":[1,2]}");
        wrong.put("label", "{\"id\":\"t\",\"text\":\"fine\",\"label\":true}");
        wrong.put("ts", "{\"id\":\"t\",\"text\":\"fine\",\"ts\":\"yesterday\"}");
        wrong.put("ts ", "{\"id\":\"t\",\"text\":\"fine\",\"ts\":1.5}");
        wrong.put("ts  ", "{\"id\":\"t\",\"text\":\"fine\",\"ts\":-1}");
        wrong.put("attrs", "{\"id\":\"t\",\"text\":\"fine\",\"attrs\":[\"a\"]}");
        wrong.put("attrs ", "{\"id\":\"t\",\"text\":\"fine\",\"attrs\":{\"n\":3}}");
        wrong.put("attrs  ", "{\"id\":\"t\",\"text\":\"fine\",\"attrs\":{\"nested\":{\"a\":\"b\"}}}");
        wrong.forEach((field, json) -> {
            List<ParseResult<?>> both =
                    List.of(parser.parseEvent("reviews", b(json)), parser.parseExample("reviews", b(json)));
            for (ParseResult<?> r : both) {
                assertEquals(Reason.MALFORMED_JSON, reason(r, json), json);
                assertTrue(r.message().contains("'" + field.trim() + "'"), "names " + field + ": " + r.message());
            }
        });
        assertTrue(
                event("{\"id\":\"t\",\"task\":null,\"text\":\"fine\",\"ts\":null,\"attrs\":null," + "\"label\":null}")
                        .isOk(),
                "a null field counts as absent");
        assertTrue(
                event("{\"id\":\"t\",\"text\":\"fine\",\"ts\":0,\"attrs\":{}}").isOk());
    }

    @Test
    void shouldRejectALoneSurrogateAsMalformed() {
        ParseResult<Event> high = event("{\"id\":\"s-1\",\"text\":\"broken \\ud800 text\"}");
        assertEquals(Reason.MALFORMED_JSON, reason(high, "a lone high surrogate"));
        assertTrue(high.message().contains("'text'") && high.message().contains("surrogate"), high.message());
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(event("{\"id\":\"s-2\",\"text\":\"end \\udc00\"}"), "a lone low surrogate"));
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(
                        event("{\"id\":\"s-3\",\"text\":\"fine\",\"attrs\":{\"src\":\"\\ud83d\"}}"),
                        "a lone surrogate in attrs"));
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(
                        event("{\"id\":\"s-4\",\"text\":\"fine\",\"pad\":[\"\\udfff\"]}"),
                        "a lone surrogate in an unknown field"));
        assertEquals(
                Reason.MALFORMED_JSON,
                reason(event("{\"id\":\"s-5\",\"text\":\"fine\",\"\\ud800\":1}"), "a lone surrogate in a field name"));
        ParseResult<Event> pair = event("{\"id\":\"s-6\",\"text\":\"smile \\ud83d\\ude00\"}");
        assertTrue(pair.isOk(), pair::toString);
        assertEquals("smile \uD83D\uDE00", pair.value().text());
    }

    @Test
    void shouldTreatTextOfOnlyNoBreakAndOtherSpacesAsEmpty() {
        for (String spaces : List.of(
                "\\u00a0\\u00a0\\u00a0",
                "\\u2007",
                "\\u202f \\u202f",
                "\\u3000",
                "\\u2028\\u2029",
                "\\u1680",
                "\\u205f\\u00a0\\t\\n")) {
            assertEquals(
                    Reason.EMPTY_TEXT, reason(event("{\"id\":\"w-1\",\"text\":\"" + spaces + "\"}"), spaces), spaces);
        }
        ParseResult<Example> raw =
                parser.parseExample("reviews", b("{\"id\":\"w-2\",\"text\":\"\u00a0\u00a0\",\"label\":\"positive\"}"));
        assertEquals(Reason.EMPTY_TEXT, reason(raw, "raw no-break spaces in an example"));
        assertTrue(
                event("{\"id\":\"w-3\",\"text\":\"\\u00a0ok\\u00a0\"}").isOk(), "visible text between no-break spaces");
    }

    @Test
    void shouldTreatTextOfOnlyZeroWidthFormatOrControlCharactersAsEmpty() {
        for (String invisible : List.of(
                "\\u200b\\u200b",
                "\\u200c\\u200d",
                "\\u2060",
                "\\ufeff",
                "\\u00ad",
                "\\u200e\\u202e",
                "\\u0001\\u0007\\u007f",
                "\\u0085",
                "\\u3164\\u115f",
                "\\ufe0f",
                "\\u034f",
                "\\udb40\\udc20",
                "\\u200b \\u00a0\\u0000")) {
            assertEquals(
                    Reason.EMPTY_TEXT,
                    reason(event("{\"id\":\"z-1\",\"text\":\"" + invisible + "\"}"), invisible),
                    invisible);
        }
        assertTrue(event("{\"id\":\"z-2\",\"text\":\"\\u200bx\"}").isOk(), "one visible character is text");
        assertTrue(event("{\"id\":\"z-3\",\"text\":\"\\u4e2d\"}").isOk(), "an ideograph is visible");
        assertTrue(event("{\"id\":\"z-4\",\"text\":\"\\ud83d\\ude00\"}").isOk(), "an emoji is visible");
    }

    @Test
    void shouldCountMaxTextCharsInCodePointsSoASurrogatePairIsOneCharacter() {
        // reviews allows 40 characters; each emoji is two UTF-16 units.
        String forty = "\uD83D\uDE00".repeat(39) + "a";
        ParseResult<Event> ok = parser.parseEvent("reviews", b("{\"id\":\"c-1\",\"text\":\"" + forty + "\"}"));
        assertTrue(ok.isOk(), "40 characters in 79 UTF-16 units: " + ok);
        ParseResult<Event> over =
                parser.parseEvent("reviews", b("{\"id\":\"c-2\",\"text\":\"" + forty + "\uD83D\uDE00\"}"));
        assertEquals(Reason.TEXT_TOO_LONG, reason(over, "41 characters"));
        assertTrue(over.message().contains("41 characters"), over.message());
    }

    @Test
    void shouldRejectARecordOverLimitsRecordBytesBeforeParsingIt() throws Exception {
        RecordParser small = RecordParser.of(StreamtuneConfig.parse("""
                limits: {recordBytes: 65536}
                tasks: [{name: reviews, labels: [negative, positive]}]
                """, Map.of(), Map.of()));
        String head = "{\"id\":\"big-1\",\"text\":\"Shares rally on upgrade\",\"pad\":\"";
        byte[] exact = b(head + "x".repeat(65536 - head.length() - 2) + "\"}");
        assertEquals(65536, exact.length);
        assertTrue(small.parseEvent("reviews", exact).isOk(), "a record of exactly the limit is fine");

        byte[] over = b(head + "x".repeat(65536 - head.length() - 1) + "\"}");
        ParseResult<Event> r = small.parseEvent("reviews", over);
        assertEquals(Reason.RECORD_TOO_LARGE, reason(r, "one byte over"));
        assertTrue(
                r.message().contains("65537 bytes") && r.message().contains("limits.recordBytes 65536"), r.message());
        assertEquals(Reason.RECORD_TOO_LARGE, reason(small.parseExample("reviews", over), "an example one byte over"));

        byte[] garbage = new byte[70_000];
        java.util.Arrays.fill(garbage, (byte) 0xE9);
        assertEquals(Reason.RECORD_TOO_LARGE, reason(small.parseEvent("reviews", garbage), "malformed and too large"));

        // Key and headers count: a value under the limit with a large key and header is over it.
        byte[] value = b(head + "x".repeat(60_000) + "\"}");
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", new byte[3_000]);
        assertTrue(small.parseEvent("reviews", value).isOk());
        assertEquals(
                Reason.RECORD_TOO_LARGE,
                reason(small.parseEvent("reviews", new byte[3_000], value, headers), "key + value + headers"));
    }

    @Test
    void shouldNameTheOffsetOfAByteThatIsNotUtf8() {
        ParseResult<Event> r = parser.parseEvent(
                "reviews", "{\"id\":\"p-2\",\"text\":\"Caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(Reason.MALFORMED_JSON, reason(r, "a Latin-1 byte"));
        assertTrue(
                r.message().contains("not UTF-8")
                        && r.message().contains("0xE9")
                        && r.message().contains("offset 23"),
                r.message());
    }
}
