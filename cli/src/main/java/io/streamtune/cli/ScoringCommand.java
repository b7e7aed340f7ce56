package io.streamtune.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.scoring.ScoringService;
import io.streamtune.scoring.ScoringSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamtune scoring}: runs the scoring service until Ctrl-C. */
@Command(name = "scoring", mixinStandardHelpOptions = true,
        description = "Score <task>.events into <task>.predictions with hot-swapped model versions (Kafka Streams, exactly once).")
public final class ScoringCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "config/streamtune.yaml", description = "streamtune YAML configuration (tasks, kafka, scoring; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (overrides kafka.bootstrap.servers)")
    String bootstrap;

    @Option(names = "--metrics-port", description = "port of /metrics and /health (overrides scoring.metricsPort; -1: off)")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrap != null) {
            overrides.put("bootstrap.servers", bootstrap);
        }
        StreamtuneConfig cfg;
        ScoringSettings settings;
        try {
            cfg = StreamtuneConfig.load(config, System.getenv(), overrides);
            settings = ScoringSettings.from(cfg);
        } catch (ConfigException e) {
            System.err.println("invalid configuration:\n  " + String.join("\n  ", e.problems()));
            return 2;
        }
        if (metricsPort != null) {
            settings = settings.withMetricsPort(metricsPort);
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // On Ctrl-C / SIGTERM: let the main thread close the service (commit, leave the group) before the JVM halts.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                closed.await(45, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scoring-stop"));
        try (ScoringService service = ScoringService.owningEncoders(cfg, settings)) {
            service.start();
            stop.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
