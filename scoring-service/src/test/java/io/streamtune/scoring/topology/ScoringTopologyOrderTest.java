package io.streamtune.scoring.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Kafka Streams numbers sub-topologies, and so its tasks (0_1, 1_1, ...), in the order they are
 * added. Two JVMs of the same scorer (a restart that rejoins with its static membership id, or two
 * instances) must number them alike, whatever order the configuration hands the tasks over in:
 * {@code config.tasks()} was an immutable map whose iteration order changed from one JVM to the next
 * (now sorted by name, see {@code StreamtuneConfig.tasks()}).
 * Found by {@code streamtune bench faults}: a scorer restarted after kill -9 failed with
 * "TopologyException: Invalid topology: Topic reviews.events is unknown to the topology" and was back
 * only after a rebalance ~45 s later.
 */
class ScoringTopologyOrderTest {
    private static final List<String> NAMES =
            List.of("zeta", "alpha", "mu", "beta", "omega", "kappa", "delta", "nu", "eta", "gamma");

    @Test
    void shouldNumberSubTopologiesByTaskNameWhateverTheOrderOfTheConfiguration() throws Exception {
        List<String> reversed = new ArrayList<>(NAMES);
        java.util.Collections.reverse(reversed);

        TopologyDescription given = build(NAMES).describe();
        TopologyDescription reverse = build(reversed).describe();

        assertEquals(given.toString(), reverse.toString());
        assertEquals(NAMES.stream().sorted().map(n -> n + ".events").toList(), sourceTopicsById(given));
    }

    private static Topology build(List<String> taskNames) throws Exception {
        StringBuilder yaml = new StringBuilder("kafka: {bootstrap.servers: \"ttd:9092\"}\ntasks:\n");
        taskNames.forEach(n -> yaml.append("  - {name: ").append(n).append(", labels: [negative, positive]}\n"));
        StreamtuneConfig config = StreamtuneConfig.parse(yaml.toString(), Map.of(), Map.of());
        ModelRegistry models = new ModelRegistry(
                config.tasks(), Map.of(), TestModels.backbones(), Runnable::run, ScoringMetrics.noop());
        try (ScoringWorkers workers = ScoringWorkers.inline()) {
            return ScoringTopology.build(
                    config,
                    new ScoringTopology.BatchPolicy(8, Duration.ofMillis(20), 100),
                    models,
                    ScoringMetrics.noop(),
                    workers);
        } finally {
            models.close();
        }
    }

    private static List<String> sourceTopicsById(TopologyDescription d) {
        return d.subtopologies().stream()
                .sorted(Comparator.comparingInt(TopologyDescription.Subtopology::id))
                .map(s -> s.nodes().stream()
                        .filter(n -> n instanceof TopologyDescription.Source)
                        .map(n -> String.join(",", ((TopologyDescription.Source) n).topicSet()))
                        .findFirst()
                        .orElse("?"))
                .toList();
    }
}
