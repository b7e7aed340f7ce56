package io.streamtune.common.kafka;

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a service, its log and its health endpoint whether Kafka answers: a daemon thread describes
 * the cluster every {@code interval}; on the first failure it logs a WARN naming the bootstrap
 * servers within one interval, repeats it every {@code repeat} while the cluster stays unreachable,
 * and logs once when it answers again. Services start it before their first Kafka call, so a
 * service started against a broker that is down says so within seconds instead of waiting silently.
 * One admin client serves every probe (it reconnects by itself after an outage); a client per probe
 * cost a thread, a connection and a metadata fetch every interval for the service's whole life.
 *
 * <pre>{@code
 * KafkaProbe probe = KafkaProbe.start(clients, "scoring", Duration.ofSeconds(5), Duration.ofSeconds(30));
 * probe.unreachableSince();   // null while Kafka answers
 * probe.close();
 * }</pre>
 */
public final class KafkaProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaProbe.class);

    private final KafkaClients clients;
    private final String service;
    private final Duration interval;
    private final Duration repeat;
    private final Thread thread;
    private volatile Instant unreachableSince;
    private volatile String reason;
    private volatile boolean answered;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong probes = new java.util.concurrent.atomic.AtomicLong();

    private KafkaProbe(KafkaClients clients, String service, Duration interval, Duration repeat) {
        this.clients = clients;
        this.service = service;
        this.interval = interval;
        this.repeat = repeat;
        this.thread = new Thread(this::run, service + "-kafka-probe");
        thread.setDaemon(true);
    }

    /**
     * Starts probing at once.
     *
     * @param interval time between probes; each probe waits at most this long for an answer
     * @param repeat how often the WARN is repeated while Kafka stays unreachable
     */
    public static KafkaProbe start(KafkaClients clients, String service, Duration interval, Duration repeat) {
        KafkaProbe p = new KafkaProbe(clients, service, interval, repeat);
        p.thread.start();
        return p;
    }

    private void run() {
        org.apache.kafka.clients.admin.Admin admin;
        try {
            admin = clients.probeAdmin(interval);
        } catch (RuntimeException e) {
            // The admin client cannot be built (invalid settings): the service's own first call says so.
            reason = e.toString();
            log.warn("[{}] cannot probe Kafka: {}", service, e.toString());
            return;
        }
        try {
            probeUntilClosed(admin);
        } finally {
            Thread.interrupted(); // close() interrupts the probe; closing the client must not see that interrupt
            admin.close(Duration.ofSeconds(5));
        }
    }

    private void probeUntilClosed(org.apache.kafka.clients.admin.Admin admin) {
        Instant lastWarn = null;
        while (!closed) {
            String why;
            try {
                why = KafkaClients.unreachableReason(admin, interval);
            } catch (InterruptedException e) {
                return;
            }
            probes.incrementAndGet();
            Instant now = Instant.now();
            if (why == null) {
                if (unreachableSince != null) {
                    log.info(
                            "[{}] Kafka at {} answers again (unreachable for {} s)",
                            service,
                            clients.bootstrapServers(),
                            Duration.between(unreachableSince, now).toSeconds());
                }
                unreachableSince = null;
                reason = null;
                answered = true;
                lastWarn = null;
            } else {
                if (unreachableSince == null) {
                    unreachableSince = now;
                }
                reason = why;
                if (lastWarn == null || Duration.between(lastWarn, now).compareTo(repeat) >= 0) {
                    log.warn(
                            "[{}] cannot reach Kafka at {} ({}); retrying. Check that the broker runs and that "
                                    + "kafka.bootstrap.servers (or STREAMTUNE_BOOTSTRAP_SERVERS) and its security settings are right",
                            service,
                            clients.bootstrapServers(),
                            why);
                    lastWarn = now;
                }
            }
            try {
                Thread.sleep(why == null ? interval.toMillis() : Math.min(1000, interval.toMillis()));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** When Kafka stopped answering, or null while it answers (or before the first probe). */
    public Instant unreachableSince() {
        return unreachableSince;
    }

    /** Why the last probe failed, or null. */
    public String reason() {
        return reason;
    }

    /** Probes made so far. */
    long probes() {
        return probes.get();
    }

    /** Whether any probe has been answered since the start. */
    public boolean everAnswered() {
        return answered;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
