package io.streamtune.common.nlp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sub-batches of similar lengths inside one encode call: a mixed batch is not padded to its longest
 * text, the embeddings do not change, and a text counted first is not tokenised twice.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LengthAwareEncodingTest {
    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void open() throws EncoderException {
        encoder = (OnnxTextEncoder) Encoders.open(Encoders.DEFAULT_ID, 128, 1);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void shouldKeepOneSubBatchForTextsOfTheSameLength() {
        assertArrayEquals(new int[] {32}, EncoderTokenizer.subBatches(fill(32, 20), 64, 16));
    }

    @Test
    void shouldSplitShortTextsFromALongOne() {
        int[] lengths = fill(32, 10);
        lengths[31] = 120;
        // One call padded to 120 costs 16 + 32 x 120 = 3856 positions; 31 x 10 and 1 x 120 cost 16 + 310 + 16 + 120.
        assertArrayEquals(new int[] {31, 32}, EncoderTokenizer.subBatches(lengths, 64, 16));
    }

    @Test
    void shouldNotSplitForLessThanTheCostOfAModelCall() {
        int[] lengths = fill(8, 10);
        lengths[7] = 11;
        assertArrayEquals(
                new int[] {8}, EncoderTokenizer.subBatches(lengths, 64, 16), "one position each is not worth a call");
    }

    @Test
    void shouldCapSubBatchesAtTheMaximumSize() {
        assertArrayEquals(new int[] {64, 128, 130}, EncoderTokenizer.subBatches(fill(130, 20), 64, 16));
    }

    @Test
    void shouldPadAMixedBatchLittleAndGiveTheSameEmbeddingsAsAlone() {
        List<String> texts = mixed();
        long padded0 = encoder.paddedPositions();
        long tokens0 = encoder.tokenPositions();
        float[][] batch = encoder.encode(texts);
        long padded = encoder.paddedPositions() - padded0;
        long tokens = encoder.tokenPositions() - tokens0;
        assertTrue(
                padded < 1.2 * tokens,
                "padded " + padded + " positions for " + tokens + " tokens (one padded call: "
                        + 32 * encoder.tokenIds(texts.get(31)).length + ")");
        for (int i : new int[] {0, 17, 31}) {
            float[] alone = encoder.encode(List.of(texts.get(i)))[0];
            assertEquals(1.0, EncodersTest.cosine(alone, batch[i]), 1e-5, "text " + i + " in input order");
        }
    }

    @Test
    void shouldCountTokensAsTheModelSeesThemAndEncodeACountedTextTheSame() {
        String text = "The hotel room was Clean!";
        assertEquals(encoder.tokenIds(text).length, encoder.tokenCount(text));
        assertEquals(8, encoder.tokenCount(text), "[CLS] the hotel room was clean ! [SEP]");
        String longText = "word ".repeat(300);
        assertEquals(128, encoder.tokenCount(longText), "truncated to the maximum sequence length");
        float[] counted = encoder.encode(List.of(text))[0];
        float[] fresh = encoder.encode(List.of(text))[0];
        assertArrayEquals(fresh, counted, 1e-6f);
    }

    @Test
    void shouldCutAndCountTheSameWayForATunedEncoder() throws Exception {
        List<String> texts = mixed();
        try (OnnxTextEncoder tuned = (OnnxTextEncoder) Encoders.open(
                Encoders.DEFAULT_ID, 128, 1, TunedEncoderTest.bitfit(BertWeights.load(Encoders.DEFAULT_ID), 0.5f))) {
            assertEquals(
                    encoder.tokenIds(texts.get(31)).length, tuned.tokenCount(texts.get(31)), "the frozen tokenizer");
            long padded0 = tuned.paddedPositions();
            long tokens0 = tuned.tokenPositions();
            float[][] batch = tuned.encode(texts);
            long padded = tuned.paddedPositions() - padded0;
            long tokens = tuned.tokenPositions() - tokens0;
            assertTrue(padded < 1.2 * tokens, "padded " + padded + " positions for " + tokens + " tokens");
            for (int i : new int[] {0, 31}) {
                float[] alone = tuned.encode(List.of(texts.get(i)))[0];
                assertEquals(1.0, EncodersTest.cosine(alone, batch[i]), 1e-5, "text " + i + " in input order");
            }
            float[] frozen = encoder.encode(List.of(texts.get(31)))[0];
            assertTrue(
                    EncodersTest.cosine(frozen, batch[31]) < 1 - 1e-6, "the tuned weights served, not the frozen ones");
        }
    }

    private static List<String> mixed() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            texts.add("nice staff " + i);
        }
        texts.add("a much longer review of the hotel, " + "the breakfast was fine and the room was quiet, ".repeat(6));
        return texts;
    }

    private static int[] fill(int n, int length) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, length);
        return a;
    }
}
