package io.streamtune.common.config;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EncoderPrecisionsTest {

    @Test
    void shouldMapEachEncoderToThePrecisionsThatShip() {
        assertEquals(
                Optional.of("all-minilm-l6-v2-q"), EncoderPrecisions.atPrecision("all-minilm-l6-v2", Precision.INT8));
        assertEquals(
                Optional.of("bge-small-en-v1.5"), EncoderPrecisions.atPrecision("bge-small-en-v1.5-q", Precision.FP32));
        assertEquals(
                Optional.of("bge-small-en-v1.5-q"),
                EncoderPrecisions.atPrecision("bge-small-en-v1.5-q", Precision.INT8));
        assertEquals(Optional.empty(), EncoderPrecisions.atPrecision("bge-small-zh-v1.5", Precision.INT8));
        assertEquals(
                Optional.of("bge-small-zh-v1.5"), EncoderPrecisions.atPrecision("bge-small-zh-v1.5", Precision.FP32));
        assertEquals(Precision.INT8, EncoderPrecisions.precisionOf("all-minilm-l6-v2-q"));
        assertEquals(Precision.FP32, EncoderPrecisions.precisionOf("bge-small-zh-v1.5"));
        for (String id : EncoderPrecisions.ids()) {
            assertEquals(Optional.of(id), EncoderPrecisions.atPrecision(id, EncoderPrecisions.precisionOf(id)), id);
        }
    }
}
