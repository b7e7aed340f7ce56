package io.streamtune.common.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;

/**
 * Kafka Streams' local state, kept per Kafka cluster: {@code <kafka.state.dir>/cluster-<cluster id>}.
 *
 * <p>What a Kafka Streams application keeps on disk (persistent stores, their checkpoints of changelog
 * offsets, the process id, our static membership id) describes the logs of one cluster. Started against
 * another cluster with the same directory and application id (a demo run on a new embedded broker, a broker
 * whose data was wiped, staging state brought to production), Kafka Streams restores from checkpoint
 * offsets that belong to the old logs: when the new changelog is shorter it notices and restores from
 * scratch, but when it is longer it replays only its tail on top of the old values, and the scorer would
 * act on another cluster's "version last used" and input progress (holding or skipping events). Keyed by
 * the cluster id, a new cluster starts with empty local state and restores it from its own changelogs,
 * while a restart against the same cluster finds its state, and its ids, where it left them.
 *
 * <pre>{@code
 * Properties props = settings.streamsProperties(config);
 * Path dir = ClusterStateDirectory.scopeToCluster(props, clients, timeout, "scoring", log, () -> closed);
 * new KafkaStreams(topology, props);                  // state in e.g. /var/lib/streamtune/cluster-Mk3OEYBSD34fcwNTJENDM2Qk
 * }</pre>
 */
public final class ClusterStateDirectory {
    /** Kafka Streams' {@code STATE_DIR_CONFIG} (common does not depend on kafka-streams). */
    public static final String STATE_DIR_CONFIG = "state.dir";

    private ClusterStateDirectory() {}

    /** The configured {@code state.dir}, or Kafka Streams' default ({@code <java.io.tmpdir>/kafka-streams}). */
    public static Path configured(Properties streams) {
        Object dir = streams.get(STATE_DIR_CONFIG);
        return dir == null ? Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams") : Path.of(dir.toString());
    }

    /**
     * The start-up step of a Kafka Streams service: asks the broker for its cluster id (retried while Kafka does not
     * answer, as every start-up call is), {@link #scope scopes} {@code streams}' state directory to it and logs where
     * the local state is, as {@code [<service>] local state in <dir> (cluster <id>)}.
     *
     * @param timeout each attempt's limit
     * @param service the service's log prefix, e.g. {@code scoring}
     * @param stopped checked between attempts: the service is closing
     * @return the cluster's state directory
     * @throws InterruptedException when {@code stopped} turns true or the thread is interrupted first
     * @throws KafkaRetry.FatalKafkaException when Kafka refuses the client for good (e.g. authentication)
     */
    public static Path scopeToCluster(
            Properties streams,
            KafkaClients clients,
            Duration timeout,
            String service,
            Logger log,
            BooleanSupplier stopped)
            throws InterruptedException {
        String clusterId = KafkaRetry.until(
                "[" + service + "] reading the cluster id", log, stopped, () -> clients.clusterId(timeout));
        Path dir = scope(streams, clusterId);
        log.info("[{}] local state in {} (cluster {})", service, dir, clusterId);
        return dir;
    }

    /**
     * Points {@code streams}' {@code state.dir} at the directory of cluster {@code clusterId} inside the
     * configured one, and returns it. Cluster ids are URL-safe base64 (letters, digits, {@code -} and
     * {@code _}); anything else in the id is replaced, so the result is always one path segment.
     *
     * @param streams   Kafka Streams properties, changed in place
     * @param clusterId the id {@link KafkaClients#clusterId} answered
     * @throws IllegalArgumentException when {@code clusterId} is blank
     */
    public static Path scope(Properties streams, String clusterId) {
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalArgumentException("the cluster id is blank: the broker did not report one");
        }
        Path dir = configured(streams).resolve("cluster-" + clusterId.replaceAll("[^A-Za-z0-9_-]", "_"));
        streams.put(STATE_DIR_CONFIG, dir.toString());
        return dir;
    }
}
