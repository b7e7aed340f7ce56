package io.streamtune.trainer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.logging.ServiceLogging;

/**
 * The trainer as its own process, the image's entry point:
 * {@code java -cp 'lib/*:trainer-service.jar' io.streamtune.trainer.TrainerMain --config F [--bootstrap B]
 * [--metrics-port P]}.
 * Runs until SIGTERM or Ctrl-C; a shutdown hook closes the service (a training in progress is
 * abandoned, an open transaction aborted). Exit codes: 0 stopped, 1 failed, 2 bad usage or configuration.
 */
public final class TrainerMain {
    private static final Logger log = LoggerFactory.getLogger(TrainerMain.class);
    static final String USAGE = "usage: trainer --config FILE [--bootstrap HOST:PORT] [--metrics-port PORT]";

    private TrainerMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses the arguments, runs the trainer until it stops, returns the exit code. */
    static int run(String[] args) {
        Path config = null;
        String bootstrap = null;
        Integer metricsPort = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> config = Path.of(value(args, ++i, "--config"));
                    case "--bootstrap" -> bootstrap = value(args, ++i, "--bootstrap");
                    case "--metrics-port" -> metricsPort = Integer.parseInt(value(args, ++i, "--metrics-port"));
                    case "-h", "--help" -> {
                        System.err.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (config == null) {
                throw new IllegalArgumentException("--config is required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n" + USAGE);
            return 2;
        }
        return runService(config, bootstrap, metricsPort);
    }

    /** Loads the configuration and runs a trainer until SIGTERM; shared with {@code streamtune trainer}. */
    public static int runService(Path configFile, String bootstrap, Integer metricsPort) {
        ServiceLogging.start("trainer");
        Map<String, String> overrides = new HashMap<>();
        if (bootstrap != null) {
            overrides.put("bootstrap.servers", bootstrap);
        }
        TrainerService service;
        try {
            StreamtuneConfig config = StreamtuneConfig.load(configFile, System.getenv(), overrides);
            service = new TrainerService(config, TrainerOptions.defaults().withMetricsPort(metricsPort));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        // On SIGTERM the JVM exits with 143 (128 + SIGTERM) once this hook has closed the service.
        AtomicBoolean saidStopped = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    service.close();
                    if (saidStopped.compareAndSet(false, true)) {
                        log.info("[trainer] stopped");
                    }
                },
                "trainer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.start();
            service.awaitTermination();
        } catch (ConfigException e) {
            log.error("[trainer] cannot start: {}", e.getMessage());
            service.close();
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            service.close();
        } catch (KafkaRetry.FatalKafkaException e) {
            log.error("[trainer] cannot start: {}", e.getMessage());
            service.close();
            return 1;
        } catch (RuntimeException e) {
            log.error("[trainer] cannot start: {}", e.toString(), e);
            service.close();
            return 1;
        }
        service.close();
        boolean failed = service.failure().isPresent();
        if (saidStopped.compareAndSet(false, true)) {
            log.info("[trainer] stopped{}", failed ? " after a failure" : "");
        }
        return failed ? 1 : 0;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
