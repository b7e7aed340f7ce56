package io.streamtune.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.scoring.ScoringMain;

/** {@code streamtune scoring}: runs the scoring service until Ctrl-C. */
@Command(
        name = "scoring",
        mixinStandardHelpOptions = true,
        description =
                "Score <task>.events into <task>.predictions with hot-swapped model versions (Kafka Streams, exactly once).")
public final class ScoringCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            defaultValue = "config/streamtune.yaml",
            description = "streamtune YAML configuration (tasks, kafka, scoring; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (overrides kafka.bootstrap.servers)")
    String bootstrap;

    @Option(
            names = "--metrics-port",
            description = "port of /metrics and /health (overrides scoring.metricsPort; -1: off)")
    Integer metricsPort;

    @Override
    public Integer call() {
        Map<String, String> overrides = bootstrap == null ? Map.of() : Map.of("bootstrap.servers", bootstrap);
        return ScoringMain.run(config, overrides, metricsPort);
    }
}
