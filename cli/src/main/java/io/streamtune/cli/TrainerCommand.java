package io.streamtune.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.streamtune.trainer.TrainerMain;

/**
 * {@code streamtune trainer}: runs the trainer service in this process until SIGTERM or Ctrl-C
 * (same behaviour and exit codes as the trainer's own jar, {@link TrainerMain}).
 */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description =
                "Consume <task>.examples, retrain per window, gate against the champion and publish model versions.")
public final class TrainerCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            defaultValue = "config/streamtune.yaml",
            description = "configuration file (YAML; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (overrides kafka.bootstrap.servers)")
    String bootstrap;

    @Option(
            names = "--metrics-port",
            description = "port of /metrics and /health (overrides trainer.metricsPort; -1: off)")
    Integer metricsPort;

    @Override
    public Integer call() {
        return TrainerMain.runService(config, bootstrap, metricsPort);
    }
}
