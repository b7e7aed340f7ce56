package io.streamtune.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import io.streamtune.broker.EmbeddedKafkaBroker;

/**
 * One real Kafka broker per test JVM, started on first use and stopped at JVM exit.
 *
 * <pre>{@code
 * String bootstrap = SharedKafka.bootstrapServers();
 * String topic = SharedKafka.uniqueName("events");          // "events-3f2a9c1d"
 * SharedKafka.createTopics(3, topic);
 * }</pre>
 */
public final class SharedKafka {
    /** System property naming an external broker, e.g. {@code -Dstreamtune.test.bootstrap=host:9092}. */
    public static final String EXTERNAL_PROPERTY = "streamtune.test.bootstrap";
    /** {@code embedded} forces the in-JVM broker even where Docker answers; {@code container} requires Docker. */
    public static final String KIND_PROPERTY = "streamtune.test.broker";
    /** The broker image of docker-compose.yml and Testcontainers: the Kafka version the build uses (pom.xml
     * kafka.version). */
    public static final String KAFKA_IMAGE = "apache/kafka:4.3.1";

    private static final Logger log = LoggerFactory.getLogger(SharedKafka.class);
    private static volatile String bootstrap;
    private static volatile String kind;

    private SharedKafka() {}

    public static String bootstrapServers() {
        String b = bootstrap;
        if (b == null) {
            synchronized (SharedKafka.class) {
                if (bootstrap == null) {
                    bootstrap = start();
                }
                b = bootstrap;
            }
        }
        return b;
    }

    /** Which broker serves this JVM: {@code external}, {@code testcontainers} or {@code embedded}. */
    public static String kind() {
        bootstrapServers();
        return kind;
    }

    private static String start() {
        String external = System.getProperty(EXTERNAL_PROPERTY);
        if (external != null && !external.isBlank()) {
            kind = "external";
            log.info("tests use the external Kafka broker at {}", external);
            return external;
        }
        String wanted = System.getProperty(KIND_PROPERTY, "auto");
        if (!wanted.equals("embedded") && dockerAvailable()) {
            KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "kafka-container-stop"));
            kind = "testcontainers";
            log.info("tests use a Testcontainers Kafka broker at {}", container.getBootstrapServers());
            return container.getBootstrapServers();
        }
        if (wanted.equals("container")) {
            throw new IllegalStateException(KIND_PROPERTY + "=container but no Docker engine answers");
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-stop"));
        kind = "embedded";
        log.info("tests use the in-JVM KRaft broker at {} (no Docker engine answered)", broker.bootstrapServers());
        return broker.bootstrapServers();
    }

    /** True when a Docker engine answers; never throws. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** A name no other test in this JVM (or an earlier run on the same broker) uses. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + EmbeddedKafkaBroker.uniqueSuffix();
    }

    public static void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            admin.createTopics(java.util.Arrays.stream(names)
                            .map(n -> new NewTopic(n, partitions, (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + List.of(names) + ": " + e.getMessage(), e);
        }
    }

    public static Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
    }

    /** Client properties with the bootstrap address set. */
    public static Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        return p;
    }

    /**
     * The committed records of a topic from its beginning (read_committed, no group), read until at least
     * {@code atLeast} have come or {@code timeout} has passed, then for {@code settle} more: a duplicate, had there
     * been one, would come then. The caller asserts on what came.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String topic, int atLeast, Duration timeout, Duration settle) {
        Properties p = clientProperties();
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            long settled = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settled) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }
}
