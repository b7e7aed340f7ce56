package io.streamtune.common.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.streamtune.common.config.StreamtuneConfig;

/**
 * The one place every Kafka client of streamtune is built, from the full client settings of the
 * configuration ({@code kafka.*} in the file, {@code STREAMTUNE_KAFKA_*} in the environment, flags):
 * bootstrap servers, security protocol, SASL and SSL settings reach every admin, producer, consumer
 * and Kafka Streams client alike. A client built from {@code bootstrap.servers} alone would drop
 * them and hang against a secured cluster.
 *
 * <pre>{@code
 * KafkaClients clients = KafkaClients.of(config);
 * try (Admin admin = clients.admin()) { ... }
 * KafkaConsumer<byte[], byte[]> c = clients.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"));
 * Properties streams = clients.properties(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "app"));
 * }</pre>
 *
 * <p>Keys and values are byte arrays everywhere: records are parsed inside processing, so that bad
 * input reaches the dead-letter topic instead of failing a deserializer.
 */
public final class KafkaClients {
    private final Map<String, Object> settings;

    private KafkaClients(Map<String, ?> settings) {
        this.settings = Map.copyOf(new LinkedHashMap<>(settings));
        if (!this.settings.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("kafka.bootstrap.servers is required");
        }
    }

    /** The clients of a configuration. */
    public static KafkaClients of(StreamtuneConfig config) {
        return new KafkaClients(config.kafka());
    }

    /** Clients from explicit settings (tools and tests); {@code bootstrap.servers} is required. */
    public static KafkaClients of(Map<String, ?> settings) {
        return new KafkaClients(settings);
    }

    public String bootstrapServers() {
        return String.valueOf(settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** The full settings as properties (a copy). */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(settings);
        return p;
    }

    /** The full settings with {@code overrides} on top (a copy): e.g. Kafka Streams properties. */
    public Properties properties(Map<String, ?> overrides) {
        Properties p = properties();
        p.putAll(overrides);
        return p;
    }

    /** An admin client. The caller closes it. */
    public Admin admin() {
        return Admin.create(properties());
    }

    /** An admin client with {@code overrides} (e.g. shorter timeouts). The caller closes it. */
    public Admin admin(Map<String, ?> overrides) {
        return Admin.create(properties(overrides));
    }

    /** A byte-array producer with {@code overrides}. The caller closes it. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, ?> overrides) {
        Properties p = properties(overrides);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** A byte-array consumer with {@code overrides}. The caller closes it. */
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, ?> overrides) {
        Properties p = properties(overrides);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /**
     * Whether a broker answers a cluster description within {@code timeout}.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean reachable(Duration timeout) throws InterruptedException {
        return unreachableReason(timeout) == null;
    }

    /**
     * Null when a broker answers within {@code timeout}, else why not (for logs and health).
     *
     * @throws InterruptedException when interrupted while waiting
     */
    public String unreachableReason(Duration timeout) throws InterruptedException {
        try (Admin admin = probeAdmin(timeout)) {
            return unreachableReason(admin, timeout);
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /** An admin client for {@link #unreachableReason(Admin, Duration)}: requests time out after {@code timeout}. */
    Admin probeAdmin(Duration timeout) {
        String ms = Long.toString(Math.max(1, timeout.toMillis()));
        return admin(Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms));
    }

    /**
     * Null when a broker answers {@code admin}'s cluster description within {@code timeout}, else why not.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    static String unreachableReason(Admin admin, Duration timeout) throws InterruptedException {
        long ms = Math.max(1, timeout.toMillis());
        try {
            admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e.toString() : e.getCause().toString();
        } catch (TimeoutException e) {
            return "no answer within " + ms + " ms";
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /**
     * The id of the cluster these clients reach (KRaft's {@code cluster.id}, fixed when the cluster's
     * storage was formatted; a new or wiped cluster has a new one).
     *
     * @throws ExecutionException when the broker refuses the description (e.g. authorization)
     * @throws TimeoutException when no broker answers within {@code timeout}
     * @throws InterruptedException when interrupted while waiting
     */
    public String clusterId(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        try (Admin admin = admin()) {
            return admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
