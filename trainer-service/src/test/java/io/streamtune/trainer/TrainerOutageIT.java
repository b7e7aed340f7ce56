package io.streamtune.trainer;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicAdmin;

import static io.streamtune.trainer.TrainerFixture.examples;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, fault 4: the broker goes away while the trainer commits a version; the trainer says so
 * (health DEGRADED), retries, and publishes that version exactly once when the broker is back.
 * A broker of its own, since this test stops it.
 */
class TrainerOutageIT {
    @TempDir
    Path tmp;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void produce(KafkaClients clients, String topic, List<Example> examples) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = clients.producer(Map.of("acks", "all"))) {
            for (Example e : examples) {
                p.send(new ProducerRecord<>(topic, e.id().getBytes(StandardCharsets.UTF_8), Json.write(e)));
            }
            p.flush();
        }
    }

    private static List<Long> versions(KafkaClients clients, String task) {
        ModelHistory.TaskHistory h =
                ModelHistory.read(clients, Set.of(task), Duration.ofSeconds(10)).get(task);
        List<Long> out = new ArrayList<>(h.artifacts().keySet());
        return out;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldRetryItsTransactionThroughABrokerOutageAndPublishTheVersionOnce() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("kafka"));
        int port = freePort();
        AtomicReference<EmbeddedKafkaBroker> broker = new AtomicReference<>(EmbeddedKafkaBroker.start(data, port));
        String task = "outage";
        StreamtuneConfig config = TrainerFixture.config(broker.get().bootstrapServers(), task, 100, 400);
        KafkaClients clients = KafkaClients.of(config.kafka());
        try (var admin = clients.admin()) {
            TopicAdmin.ensure(admin, config.topicLayout());
        }
        CountDownLatch brokerDown = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        TrainerOptions options = TrainerFixture.options().withMetricsPort(0).withBeforeCommit(e -> {
            if (e.version() == 2 && stopped.compareAndSet(false, true)) {
                broker.get().close(); // inside v2's transaction, before its commit
                brokerDown.countDown();
            }
        });
        Set<String> statuses = ConcurrentHashMap.newKeySet();
        try (TrainerService trainer = new TrainerService(config, options)) {
            trainer.start();
            String topic = TaskTopics.of(task).examples();
            produce(clients, topic, examples(task, "a", 100, null, false));
            TrainerFixture.await(
                    "v1", Duration.ofSeconds(90), () -> versions(clients, task).equals(List.of(1L)));
            produce(clients, topic, examples(task, "b", 100, null, false));
            assertTrue(brokerDown.await(90, TimeUnit.SECONDS), "the broker went down inside v2's transaction");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until) { // the outage: ~20 s, health polled all along
                Map<String, Object> h = trainer.health();
                statuses.add(String.valueOf(h.get("status")));
                if ("DEGRADED".equals(h.get("status"))) {
                    // the same shape as the scorer's and the monitor's documents: a list of reasons
                    statuses.add("reasons " + h.get("reasons"));
                }
                Thread.sleep(200);
            }
            broker.set(EmbeddedKafkaBroker.start(data, port));
            TrainerFixture.await("v2 after the outage", Duration.ofSeconds(120), () -> {
                try {
                    return versions(clients, task).contains(2L);
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertEquals(List.of(1L, 2L), versions(clients, task), "v2 exactly once");
            assertTrue(
                    trainer.isRunning() && trainer.failure().isEmpty(),
                    "the outage was not fatal: " + trainer.failure());
            assertTrue(statuses.contains("DEGRADED"), "health said so during the outage: " + statuses);
            assertTrue(
                    statuses.stream().anyMatch(r -> r.startsWith("reasons [cannot reach Kafka at ")),
                    "with its reasons as a list: " + statuses);
            TrainerFixture.await(
                    "UP again",
                    Duration.ofSeconds(30),
                    () -> "UP".equals(trainer.health().get("status")));
            ModelArtifact v2 = ModelHistory.read(clients, Set.of(task), Duration.ofSeconds(10))
                    .get(task)
                    .artifacts()
                    .get(2L);
            assertEquals(1L, v2.meta().parentVersion());
        } finally {
            broker.get().close();
        }
    }
}
