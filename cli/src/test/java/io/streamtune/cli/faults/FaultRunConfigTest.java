package io.streamtune.cli.faults;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.scoring.ScoringSettings;
import io.streamtune.trainer.TrainerSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated configuration, read back through the services' own validation. */
class FaultRunConfigTest {

    @Test
    void shouldGiveTheServicesTwoTextTasksOnThreePartitionsWithASmallRetrainWindowAndThePickedPorts() throws Exception {
        Path state = Path.of("/tmp/run 1/scorer-state");
        FaultRunConfig c = new FaultRunConfig("localhost:39092", state, 3, 60, 39400, 39401);

        StreamtuneConfig config = c.parse();

        assertEquals("localhost:39092", config.bootstrapServers());
        assertEquals(state.toAbsolutePath().toString(), config.kafka().get("state.dir"));
        assertEquals(3, config.partitions());
        assertEquals(Set.of("reviews", "finance"), config.tasks().keySet());
        for (TaskConfig t : config.tasks().values()) {
            assertEquals(60, t.window().retrainEvery(), t.name());
            assertTrue(t.window().minNew() < t.window().retrainEvery(), t.name());
            assertEquals(3, t.labels().size(), t.name());
        }
        assertEquals(
                List.of("bearish", "neutral", "bullish"),
                config.tasks().get("finance").labels());
        assertEquals(39400, TrainerSettings.from(config).metricsPort());
        assertEquals(39401, ScoringSettings.from(config).metricsPort());
    }

    @Test
    void shouldNameTheKeyWhenAGeneratedValueIsOutOfRange() {
        FaultRunConfig c = new FaultRunConfig("localhost:1", Path.of("s"), 0, 60, 1, 2);

        ConfigException e = assertThrows(ConfigException.class, c::parse);

        assertTrue(e.getMessage().contains("topics.partitions"), e.getMessage());
    }
}
