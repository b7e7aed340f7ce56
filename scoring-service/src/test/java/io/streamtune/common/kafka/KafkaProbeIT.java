package io.streamtune.common.kafka;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health probe every service runs (common.kafka; here for the real broker of this module's tests). */
class KafkaProbeIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldProbeThroughOneAdminClientInsteadOfOnePerProbe() throws Exception {
        KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()));
        clients.reachable(Duration.ofSeconds(30)); // the broker is up before counting
        var threads = ManagementFactory.getThreadMXBean();
        long started = threads.getTotalStartedThreadCount();
        try (KafkaProbe probe = KafkaProbe.start(clients, "test", Duration.ofMillis(100), Duration.ofSeconds(30))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (probe.probes() < 12 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(probe.probes() >= 12, "probes made: " + probe.probes());
            assertTrue(probe.everAnswered());
            assertNull(probe.unreachableSince());
            // The probe's own thread and one admin client's network thread; an admin client per probe started
            // a thread each time (12 or more here).
            long newThreads = threads.getTotalStartedThreadCount() - started;
            assertTrue(newThreads <= 4, newThreads + " threads started for " + probe.probes() + " probes");
        }
    }
}
