package io.streamtune.trainer;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TrainerConfigTest {
    private static StreamtuneConfig config(String trainerSection) throws ConfigException {
        return StreamtuneConfig.parse("""
                tasks:
                  - name: reviews
                    labels: [negative, positive]
                    window: {size: 100, holdoutPercent: 10}
                """ + trainerSection, Map.of(), Map.of());
    }

    @Test
    void shouldReadTheTrainerSectionWithDefaults() throws Exception {
        TrainerSettings s = TrainerSettings.from(config("trainer:\n  pollTimeout: 50ms\n  encoderCacheSize: 777\n"));
        assertEquals(Duration.ofMillis(50), s.pollTimeout());
        assertEquals(777, s.encoderCacheSize());
        assertEquals(TrainerSettings.METRICS_PORT.defaultValue(), s.metricsPort());
    }

    @Test
    void shouldReportEveryBadTrainerKeyAtOnce() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> TrainerSettings.from(config("trainer:\n  pollTimeout: soon\n  minHoldout: 0\n  colour: blue\n")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("trainer.pollTimeout"));
        assertTrue(e.getMessage().contains("trainer.minHoldout"));
        assertTrue(e.getMessage().contains("trainer.colour"));
    }

    @Test
    void shouldRejectAnUnknownTaskAndAHoldoutBelowTheMinimum() {
        ConfigException unknown = assertThrows(
                ConfigException.class,
                () -> new TrainerService(config(""), TrainerOptions.defaults().withTasks(Set.of("nope"))));
        assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
        // size 100 x 10% keeps at most 10 holdout examples: fewer than minHoldout 20 could never gate.
        ConfigException small = assertThrows(
                ConfigException.class,
                () -> new TrainerService(config("trainer:\n  minHoldout: 20\n"), TrainerOptions.defaults()));
        assertTrue(small.getMessage().contains("minHoldout"), small.getMessage());
    }

    @Test
    void shouldNameTheTransactionalIdAfterItsTasks() throws Exception {
        try (TrainerService t = new TrainerService(config(""), TrainerOptions.defaults())) {
            assertEquals("streamtune-trainer-reviews", t.transactionalId());
        }
        try (TrainerService t =
                new TrainerService(config("trainer:\n  instanceId: eu1\n"), TrainerOptions.defaults())) {
            assertEquals("streamtune-trainer-eu1-reviews", t.transactionalId());
        }
    }

    @Test
    void shouldExitWithUsageErrorsOnBadArguments() {
        assertEquals(2, TrainerMain.run(new String[] {"--bootstrap", "x:1"}), "--config is required");
        assertEquals(2, TrainerMain.run(new String[] {"--config"}));
        assertEquals(2, TrainerMain.run(new String[] {"--config", "/nonexistent/streamtune.yaml"}));
    }
}
