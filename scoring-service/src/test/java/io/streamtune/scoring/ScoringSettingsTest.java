package io.streamtune.scoring;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoringSettingsTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private static StreamtuneConfig config(String scoring) throws Exception {
        return StreamtuneConfig.parse("""
                kafka: {bootstrap.servers: "localhost:9092"}
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                scoring: %s
                """.formatted(scoring), Map.of(), Map.of());
    }

    @Test
    void shouldDefaultToOneEncoderWorkerPerCoreEachOnItsShareOfTheCores() throws Exception {
        ScoringSettings s = ScoringSettings.from(config("{}"));
        assertEquals(CORES, s.encoderWorkers());
        assertEquals(1, s.encoderIntraOpThreads(), "one worker per core: one ONNX Runtime thread each");
    }

    @Test
    void shouldEncodeOnTheStreamThreadsWithEveryCoreWhenWorkersIsZero() throws Exception {
        ScoringSettings s = ScoringSettings.from(config("{encoder: {workers: 0}}"));
        assertEquals(0, s.encoderWorkers());
        assertEquals(0, s.encoderIntraOpThreads(), "0: ONNX Runtime's default, one thread per core");
    }

    @Test
    void shouldShareTheCoresAmongFewerWorkers() throws Exception {
        ScoringSettings s = ScoringSettings.from(config("{encoder: {workers: 1}}"));
        assertEquals(CORES, s.encoderIntraOpThreads());
    }

    @Test
    void shouldNameTheKeyOfANegativeWorkerCount() throws Exception {
        ConfigException e =
                assertThrows(ConfigException.class, () -> ScoringSettings.from(config("{encoder: {workers: -1}}")));
        assertTrue(
                e.problems().stream().anyMatch(p -> p.startsWith("scoring.encoder.workers")),
                e.problems().toString());
    }
}
