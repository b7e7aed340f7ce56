package io.streamtune.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.streamtune.common.config.ConfigException;
import io.streamtune.common.config.StreamtuneConfig;
import picocli.CommandLine.Option;

/** The {@code --config} and {@code --bootstrap} options every Kafka-facing command shares. */
public final class KafkaOptions {
    public static final Path DEFAULT_CONFIG = Path.of("config", "streamtune.yaml");

    @Option(names = "--config", paramLabel = "FILE", description = "task configuration (default: ${DEFAULT-VALUE})",
            defaultValue = "config/streamtune.yaml")
    Path config;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: kafka.bootstrap.servers of the config, else localhost:9092)")
    String bootstrap;

    public StreamtuneConfig load() throws ConfigException {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrap != null) {
            overrides.put("bootstrap.servers", bootstrap);
        }
        return StreamtuneConfig.load(config, System.getenv(), overrides);
    }

    /**
     * Fails fast, with a message saying what to do, when no broker answers at the address.
     * Clients would otherwise retry silently for a minute.
     */
    public static void requireReachable(Properties clientProps) throws UnreachableBrokerException {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new UnreachableBrokerException(String.valueOf(clientProps.get("bootstrap.servers")));
        } 
    }

    /** No broker answered. */
    public static final class UnreachableBrokerException extends Exception {
        private static final long serialVersionUID = 1L;

        public UnreachableBrokerException(String bootstrap) {
            super("cannot reach Kafka at " + bootstrap + " within 10 s: start one with `./streamtune broker`"
                    + " (or `./streamtune demo`), or pass --bootstrap HOST:PORT");
        }
    }
}
