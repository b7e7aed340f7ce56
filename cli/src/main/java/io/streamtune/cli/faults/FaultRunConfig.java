package io.streamtune.cli.faults;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;

/**
 * The configuration file the fault suite writes for its broker, trainer and scorer: the two demo
 * tasks ({@code reviews}, {@code finance}; text, three labels each) on {@code partitions} partitions,
 * a small retrain window so versions keep coming, the metrics ports it picked, and the scorer's Kafka
 * Streams state directory inside the run directory (the static membership id is kept there, so a
 * restarted scorer rejoins as itself).
 *
 * <pre>{@code
 * FaultRunConfig c = new FaultRunConfig("localhost:39092", runDir.resolve("scorer-state"), 3, 60, 39400, 39401);
 * Files.writeString(runDir.resolve("streamtune.yaml"), c.yaml());
 * }</pre>
 *
 * @param bootstrap          the broker's {@code host:port}
 * @param stateDir           Kafka Streams {@code state.dir} of the scorer
 * @param partitions         partitions of each task topic
 * @param retrainEvery       new examples per task that trigger a retrain ({@code window.retrainEvery})
 * @param trainerMetricsPort {@code trainer.metricsPort}
 * @param scorerMetricsPort  {@code scoring.metricsPort}
 */
public record FaultRunConfig(
        String bootstrap,
        Path stateDir,
        int partitions,
        int retrainEvery,
        int trainerMetricsPort,
        int scorerMetricsPort) {

    /** The tasks of the run, in the order of the file. */
    public static final List<DemoFeed.Domain> TASKS = List.of(DemoFeed.Domain.REVIEWS, DemoFeed.Domain.FINANCE);

    /** The YAML text; {@link #parse()} reads it back through the services' own validation. */
    public String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("# written by `streamtune bench faults` for one run\n");
        y.append("kafka:\n");
        y.append("  bootstrap.servers: \"").append(bootstrap).append("\"\n");
        // A Kafka Streams setting: every client of the file receives it, only the scorer uses it.
        y.append("  state.dir: \"")
                .append(stateDir.toAbsolutePath().toString().replace("\\", "/"))
                .append("\"\n");
        y.append("topics:\n  partitions: ").append(partitions).append("\n  replicationFactor: 1\n");
        y.append("trainer:\n  metricsPort: ").append(trainerMetricsPort).append('\n');
        y.append("scoring:\n  metricsPort: ").append(scorerMetricsPort).append('\n');
        y.append("tasks:\n");
        for (DemoFeed.Domain d : TASKS) {
            y.append("  - name: ").append(d.task()).append('\n');
            y.append("    labels: [").append(String.join(", ", d.labels())).append("]\n");
            // minNew below retrainEvery and a short maxWait: a version at least every 20 s while examples flow;
            // a holdout of 20 % reaches trainer.minHoldout (10) within the first window.
            y.append("    window: {retrainEvery: ")
                    .append(retrainEvery)
                    .append(", maxWait: 20s, minNew: ")
                    .append(Math.max(1, retrainEvery / 3))
                    .append(", size: 3000, holdoutPercent: 20}\n");
            // A generous tolerance: the point is a steady stream of versions, not the best model.
            y.append("    gate: {tolerance: 0.05, floor: 0.34}\n");
            y.append("    head: {kind: linear, maxEpochs: 30, patience: 5}\n");
        }
        return y.toString();
    }

    /**
     * The file as the services read it.
     *
     * @throws ConfigException naming the key when a value is out of range (e.g. partitions 0)
     */
    public StreamtuneConfig parse() throws ConfigException {
        return StreamtuneConfig.parse(yaml(), Map.of(), Map.of());
    }
}
