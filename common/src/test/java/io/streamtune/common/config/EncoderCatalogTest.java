package io.streamtune.common.config;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EncoderCatalogTest {

    @Test
    void shouldMapEachEncoderToThePrecisionsThatShip() {
        assertEquals(Optional.of("all-minilm-l6-v2-q"), EncoderCatalog.atPrecision("all-minilm-l6-v2", Precision.INT8));
        assertEquals(
                Optional.of("bge-small-en-v1.5"), EncoderCatalog.atPrecision("bge-small-en-v1.5-q", Precision.FP32));
        assertEquals(
                Optional.of("bge-small-en-v1.5-q"), EncoderCatalog.atPrecision("bge-small-en-v1.5-q", Precision.INT8));
        assertEquals(Optional.empty(), EncoderCatalog.atPrecision("bge-small-zh-v1.5", Precision.INT8));
        assertEquals(Optional.of("bge-small-zh-v1.5"), EncoderCatalog.atPrecision("bge-small-zh-v1.5", Precision.FP32));
        assertEquals(Precision.INT8, EncoderCatalog.precisionOf("all-minilm-l6-v2-q"));
        assertEquals(Precision.FP32, EncoderCatalog.precisionOf("bge-small-zh-v1.5"));
        for (String id : EncoderCatalog.ids()) {
            assertEquals(Optional.of(id), EncoderCatalog.atPrecision(id, EncoderCatalog.precisionOf(id)), id);
        }
    }
}
