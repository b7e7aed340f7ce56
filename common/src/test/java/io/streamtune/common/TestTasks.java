package io.streamtune.common;

import java.util.Map;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;

/** Small configurations for tests. */
public final class TestTasks {
    private TestTasks() {}

    public static StreamtuneConfig reviewsAndImages() {
        try {
            return StreamtuneConfig.parse("""
                    tasks:
                      - name: reviews
                        labels: [negative, neutral, positive]
                        maxTextChars: 40
                      - name: pics
                        modality: image
                        labels: [cat, dog]
                        maxImageBytes: 2000
                    """, Map.of(), Map.of());
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }
}
