package io.streamtune.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.monitor.MonitorMain;

/** {@code streamtune monitor}: runs the monitor service until Ctrl-C. */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description = {
            "Watch <task>.predictions and late labels on <task>.examples (Kafka Streams, exactly once):",
            "surge alerts per entity and drift to <task>.alerts, live accuracy per model version to streamtune.model-events.",
            "Tasks are monitored when their monitor.alertLabel is set."
        })
public final class MonitorCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            defaultValue = "config/streamtune.yaml",
            description =
                    "streamtune YAML configuration (tasks with monitor blocks, kafka, monitoring; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (overrides kafka.bootstrap.servers)")
    String bootstrap;

    @Option(
            names = "--metrics-port",
            description = "port of /metrics and /health (overrides monitoring.metricsPort; -1: off)")
    Integer metricsPort;

    @Override
    public Integer call() {
        Map<String, String> overrides = bootstrap == null ? Map.of() : Map.of("bootstrap.servers", bootstrap);
        return MonitorMain.run(config, overrides, metricsPort);
    }
}
