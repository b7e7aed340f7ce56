package io.streamtune.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import picocli.CommandLine.Option;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaClients;

/** The {@code --config} and {@code --bootstrap} options every Kafka-facing command shares. */
public final class KafkaOptions {
    public static final Path DEFAULT_CONFIG = Path.of("config", "streamtune.yaml");

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "task configuration (default: ${DEFAULT-VALUE})",
            defaultValue = "config/streamtune.yaml")
    Path config;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description =
                    "Kafka bootstrap servers (default: kafka.bootstrap.servers of the config, else localhost:9092)")
    String bootstrap;

    /** The configuration with {@code --bootstrap} applied. */
    public StreamtuneConfig load() throws ConfigException {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrap != null) {
            overrides.put("bootstrap.servers", bootstrap);
        }
        return StreamtuneConfig.load(config, System.getenv(), overrides);
    }

    /**
     * The clients of a configuration, after checking a broker answers: fails fast, with a message saying
     * what to do, when none does (clients would otherwise retry silently for a minute).
     */
    public static KafkaClients reachableClients(StreamtuneConfig config)
            throws UnreachableBrokerException, InterruptedException {
        KafkaClients clients = KafkaClients.of(config);
        String why = clients.unreachableReason(Duration.ofSeconds(10));
        if (why != null) {
            throw new UnreachableBrokerException(clients.bootstrapServers(), why);
        }
        return clients;
    }

    /** No broker answered. */
    public static final class UnreachableBrokerException extends Exception {
        private static final long serialVersionUID = 1L;

        public UnreachableBrokerException(String bootstrap, String why) {
            super("cannot reach Kafka at " + bootstrap + " within 10 s (" + why
                    + "): start one with `./streamtune broker`"
                    + " (or `./streamtune demo`), or pass --bootstrap HOST:PORT; against a secured cluster check kafka.security.protocol"
                    + " and the kafka.sasl.* / kafka.ssl.* settings");
        }
    }
}
