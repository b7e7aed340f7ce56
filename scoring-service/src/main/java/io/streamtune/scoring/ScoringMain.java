package io.streamtune.scoring;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.logging.ServiceLogging;

/**
 * {@code java -cp 'lib/*:scoring-service.jar' io.streamtune.scoring.ScoringMain --config F [--bootstrap B]
 * [--metrics-port P]}
 * (the image's entry point): runs the
 * scoring service until SIGTERM or Ctrl-C.
 */
public final class ScoringMain {
    private static final Logger log = LoggerFactory.getLogger(ScoringMain.class);
    private static final String USAGE = "usage: scoring --config FILE [--bootstrap HOST:PORT] [--metrics-port PORT]";

    private ScoringMain() {}

    public static void main(String[] args) {
        Path config = null;
        Map<String, String> overrides = new HashMap<>();
        Integer metricsPort = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> config = Path.of(args[++i]);
                    case "--bootstrap" -> overrides.put("bootstrap.servers", args[++i]);
                    case "--metrics-port" -> metricsPort = Integer.parseInt(args[++i]);
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println(e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        if (config == null) {
            System.err.println(USAGE);
            System.exit(2);
        }
        System.exit(run(config, overrides, metricsPort));
    }

    /**
     * Runs until the JVM is asked to stop; returns the exit code (0 stopped, 1 failed, 2 bad
     * configuration). On SIGTERM the service closes before the JVM halts, and the JVM's own exit
     * code is then 143 (128 + SIGTERM); the last line logged is {@code [scoring] stopped}.
     */
    public static int run(Path configFile, Map<String, String> overrides, Integer metricsPort) {
        ServiceLogging.start("scoring");
        StreamtuneConfig config;
        ScoringSettings settings;
        try {
            config = StreamtuneConfig.load(configFile, System.getenv(), overrides);
            settings = ScoringSettings.from(config);
        } catch (ConfigException e) {
            System.err.println("invalid configuration:\n  " + String.join("\n  ", e.problems()));
            return 2;
        }
        if (metricsPort != null) {
            settings = settings.withMetricsPort(metricsPort);
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // On SIGTERM: the main thread closes the service (commit, leave the group) before the JVM halts.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                closed.await(45, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "scoring-shutdown"));
        int code = 0;
        try (ScoringService service = ScoringService.owningBackbones(config, settings)) {
            service.start();
            stop.await();
        } catch (Exception e) {
            log.error("[scoring] failed: {}", e.toString(), e);
            code = 1;
        } finally {
            log.info("[scoring] stopped{}", code == 0 ? "" : " after a failure");
            closed.countDown();
        }
        return code;
    }
}
