package io.streamtune.trainer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.kafka.KafkaRetry;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.publish.TransactionalPublisher;

import static io.streamtune.trainer.TrainerFixture.await;
import static io.streamtune.trainer.TrainerFixture.config;
import static io.streamtune.trainer.TrainerFixture.events;
import static io.streamtune.trainer.TrainerFixture.examples;
import static io.streamtune.trainer.TrainerFixture.models;
import static io.streamtune.trainer.TrainerFixture.options;
import static io.streamtune.trainer.TrainerFixture.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A trainer that hangs inside its transaction is fenced by its replacement, and its version never appears. */
class TrainerFencingIT {
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldFenceAZombieTrainerSoItsOpenVersionNeverAppears() throws Exception {
        String task = SharedKafka.uniqueName("zombie");
        StreamtuneConfig config = config(task, 100, 400);
        String topic = TaskTopics.of(task).examples();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TrainerOptions hanging = options().withBeforeCommit(e -> {
            if (e.version() == 2) {
                inside.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try (TrainerService zombie = new TrainerService(config, hanging)) {
            zombie.start();
            produce(topic, examples(task, "a", 100, null, false));
            await("version 1", Duration.ofSeconds(90), () -> models(task).size() == 1);
            produce(topic, examples(task, "b", 100, null, false));
            assertTrue(inside.await(90, TimeUnit.SECONDS), "the first trainer reached its commit of version 2");

            try (TrainerService successor = new TrainerService(config, options())) {
                successor.start(); // same transactional id: fences the zombie and aborts its open transaction
                await(
                        "version 2 from the successor",
                        Duration.ofSeconds(90),
                        () -> models(task).size() == 2);
                release.countDown();
                assertTrue(zombie.awaitTermination(Duration.ofSeconds(30)), "the zombie stops");
                Throwable fatal = zombie.failure().orElseThrow();
                assertInstanceOf(KafkaRetry.FatalKafkaException.class, fatal, "fenced is fatal: retrying cannot help");
                assertInstanceOf(TransactionalPublisher.PublishException.class, fatal.getCause());
                assertTrue(
                        fatal.getMessage().contains("another instance"), "says what happened: " + fatal.getMessage());
                // The successor's initTransactions aborted the zombie's open transaction before v2 was published.

                List<ModelArtifact> versions = models(task);
                assertEquals(
                        List.of(1L, 2L),
                        versions.stream().map(m -> m.meta().version()).toList(),
                        "exactly one version 2: the zombie's was aborted");
                assertEquals(1L, versions.get(1).meta().parentVersion());
                assertEquals(
                        100,
                        versions.get(1).meta().window().stream()
                                .mapToLong(r -> r.count())
                                .sum());
                assertEquals(
                        List.of(1L, 2L),
                        events(task).stream().map(ModelEvent::version).toList(),
                        "the zombie's audit event was aborted with its version");
                assertEquals(java.util.Map.of(task, 2L), successor.championVersions());
            }
        } finally {
            release.countDown();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldAbortTheOpenTransactionWhenTheTrainerFailsBeforeCommitting() throws Exception {
        String task = SharedKafka.uniqueName("abort");
        StreamtuneConfig config = config(task, 100, 400);
        String topic = TaskTopics.of(task).examples();
        TrainerOptions failing = options().withBeforeCommit(e -> {
            throw new IllegalStateException("simulated failure inside the transaction of v" + e.version());
        });
        try (TrainerService broken = new TrainerService(config, failing)) {
            broken.start();
            produce(topic, examples(task, "a", 100, null, false));
            assertTrue(broken.awaitTermination(Duration.ofSeconds(90)), "the trainer stops on the failure");
            assertInstanceOf(IllegalStateException.class, broken.failure().orElseThrow());
        }
        assertEquals(List.of(), models(task), "the aborted version is invisible");
        assertEquals(List.of(), events(task));

        try (TrainerService healthy = new TrainerService(config, options())) {
            healthy.start();
            await(
                    "version 1 after the restart",
                    Duration.ofSeconds(90),
                    () -> models(task).size() == 1);
            ModelArtifact v1 = models(task).get(0);
            assertEquals(1, v1.meta().version());
            assertEquals(
                    100,
                    v1.meta().window().stream().mapToLong(r -> r.count()).sum(),
                    "offsets of the aborted transaction were not committed: every example is covered");
            v1.meta().window().forEach(r -> assertEquals(0, r.fromOffset()));
        }
    }
}
