package io.streamtune.common.topic;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Topic creation (common.topic; here for the real broker of this module's tests). */
class TopicAdminIT {

    /**
     * Services started together on a new cluster race to create the same topics: the trial found a scorer ended by
     * TopicExistsException because the trainer created the topics between the scorer's listing and its creation.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldLeaveATopicAnotherClientCreatedBetweenTheListingAndTheCreation() throws Exception {
        String raced = SharedKafka.uniqueName("raced");
        String ours = SharedKafka.uniqueName("ours");
        KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()));
        try (Admin real = clients.admin();
                Admin racing =
                        new ForwardingAdmin(
                                Map.<String, Object>of("bootstrap.servers", SharedKafka.bootstrapServers())) {
                            @Override
                            public CreateTopicsResult createTopics(
                                    Collection<NewTopic> topics, CreateTopicsOptions options) {
                                try {
                                    // Another client wins the race for one of the topics, after this one listed them.
                                    real.createTopics(List.of(new NewTopic(raced, 1, (short) 1)))
                                            .all()
                                            .get(30, TimeUnit.SECONDS);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                return super.createTopics(topics, options);
                            }
                        }) {
            List<String> created = TopicAdmin.ensure(
                    racing,
                    List.of(
                            new TopicSpec(raced, 1, (short) 1, Map.of(), "test"),
                            new TopicSpec(ours, 1, (short) 1, Map.of(), "test")));
            assertEquals(List.of(ours), created, "created by this call: the other client made " + raced);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // metadata reaches the listing shortly
            while (!real.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(List.of(raced, ours))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(real.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(List.of(raced, ours)));
        }
    }
}
