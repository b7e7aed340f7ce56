package io.streamtune.common.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An image task declared in the file: {@code modality: image} with its {@code image.*} and {@code cnn.*}. */
class ImageTaskConfigTest {

    @Test
    void shouldReadAnImageTasksImageAndCnnSettings() throws Exception {
        TaskConfig t = StreamtuneConfig.parse("""
                tasks:
                  - name: fashion
                    modality: image
                    labels: [shirt, boot]
                    image: {size: 28, channels: 1, maxPixels: 1000000}
                    cnn: {layers: 14, epochs: 2, freezeBackbone: true}
                """, Map.of(), Map.of()).tasks().get("fashion");
        assertEquals(Modality.IMAGE, t.modality());
        assertEquals(28, t.image().spec().size());
        assertEquals(1, t.image().spec().channels());
        assertEquals(1_000_000L, t.image().maxPixels());
        assertEquals(14, t.cnn().layers());
        assertEquals(2, t.cnn().epochs());
        assertTrue(t.cnn().freezeBackbone());
        assertEquals(CnnSettings.BATCH_SIZE.defaultValue(), t.cnn().batchSize());
    }

    @Test
    void shouldNameTheKeyOfAWrongCnnSettingOfAnImageTask() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - name: fashion
                    modality: image
                    labels: [shirt, boot]
                    image: {size: 28}
                    cnn: {layers: 18}
                """, Map.of(), Map.of()));
        assertTrue(
                e.getMessage().contains("tasks[0] (fashion).cnn.layers")
                        && e.getMessage().contains("got 18"),
                e.getMessage());
    }

    @Test
    void shouldGiveATextTaskTheDefaultsWithoutCheckingImageSettings() throws Exception {
        TaskConfig t = StreamtuneConfig.parse("""
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                    cnn: {layers: 18}
                """, Map.of(), Map.of()).tasks().get("reviews");
        assertEquals(Modality.TEXT, t.modality());
        assertEquals(CnnSettings.LAYERS.defaultValue(), t.cnn().layers());
        assertEquals(ImageSettings.SIZE.defaultValue(), t.image().spec().size());
    }
}
