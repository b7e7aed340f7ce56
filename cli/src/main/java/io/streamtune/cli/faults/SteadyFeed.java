package io.streamtune.cli.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/**
 * Produces events and labelled examples of the run's tasks at a steady rate, on its own thread, with
 * an idempotent producer ({@code acks=all}); every record has a unique id (also its key), e.g.
 * {@code reviews-e-17} or {@code finance-x-4}. A record enters the {@link DeliveryLedger} when the
 * broker acknowledges it, with the step that was current when it was sent and the time it was sent;
 * a record the producer gives up on counts as a send failure and is expected nowhere.
 *
 * <p>The schedule is by wall clock (record n of a kind is due at start + n / rate), so the rate holds
 * on average even when a send blocks for a while (the broker away): the records due meanwhile follow
 * at once.
 */
public final class SteadyFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SteadyFeed.class);
    /** Longer than any outage the suite causes (broker down ~20 s, restart, clients reconnecting). */
    static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(5);

    private final KafkaProducer<byte[], byte[]> producer;
    private final DeliveryLedger ledger;
    private final IntSupplier currentStep;
    private final double eventsPerSecond;
    private final double examplesPerSecond;
    private final DemoFeed texts;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicInteger failuresLogged = new AtomicInteger();
    private volatile boolean stopping;
    private volatile Throwable error;
    private boolean closed;

    /**
     * @param currentStep the index of the step records are counted in, read at each send
     * @param seed        seed of the generated texts
     */
    public SteadyFeed(
            KafkaClients clients,
            DeliveryLedger ledger,
            IntSupplier currentStep,
            double eventsPerSecond,
            double examplesPerSecond,
            long seed) {
        if (eventsPerSecond <= 0 || examplesPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "rates must be positive: events " + eventsPerSecond + "/s, examples " + examplesPerSecond + "/s");
        }
        this.producer = clients.producer(Map.of(
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                "true",
                ProducerConfig.LINGER_MS_CONFIG,
                "5",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                Long.toString(DELIVERY_TIMEOUT.toMillis()),
                // A send waits for metadata while the broker is away (60 s by default: one record was given up on
                // when a restart on a loaded machine took 58 s); the feed is a patient client.
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                Long.toString(DELIVERY_TIMEOUT.toMillis())));
        this.ledger = ledger;
        this.currentStep = currentStep;
        this.eventsPerSecond = eventsPerSecond;
        this.examplesPerSecond = examplesPerSecond;
        this.texts = new DemoFeed(seed);
        this.thread = new Thread(this::run, "bench-faults-feed");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        List<DemoFeed.Domain> tasks = FaultRunConfig.TASKS;
        long start = System.nanoTime();
        long events = 0;
        long examples = 0;
        try {
            while (!stopping) {
                long eventDue = start + (long) (events / eventsPerSecond * 1e9);
                long exampleDue = start + (long) (examples / examplesPerSecond * 1e9);
                boolean example = exampleDue < eventDue;
                long wait = Math.min(eventDue, exampleDue) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Math.max(1, wait / 1_000_000));
                    continue;
                }
                long n = example ? examples++ : events++;
                DemoFeed.Domain task = tasks.get((int) (n % tasks.size()));
                send(task, example, n);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error = e;
            log.error("[bench-faults] the feed stopped: {}", e.toString(), e);
        }
    }

    private void send(DemoFeed.Domain task, boolean example, long n) {
        DemoFeed.Sample s = texts.next(task);
        String id = task.task() + (example ? "-x-" : "-e-") + n;
        long at = System.currentTimeMillis();
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("id", id).put("text", s.text());
        if (example) {
            json.put("label", s.label());
        }
        json.put("ts", at);
        json.putObject("attrs").put("entity", s.entity()).put("source", "bench-faults");
        TaskTopics topics = TaskTopics.of(task.task());
        int step = currentStep.getAsInt();
        DeliveryLedger.Kind kind = example ? DeliveryLedger.Kind.EXAMPLE : DeliveryLedger.Kind.EVENT;
        String topic = example ? topics.examples() : topics.events();
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), Json.write(json));
        producer.send(record, (metadata, e) -> {
            if (e == null) {
                ledger.produced(id, kind, step, at);
            } else {
                failed.incrementAndGet();
                ledger.sendFailed(step);
                if (failuresLogged.incrementAndGet() <= 5) {
                    log.warn("[bench-faults] the feed's producer gave up on {}: {}", id, e.toString());
                }
            }
        });
        sent.incrementAndGet();
    }

    /** Records handed to the producer so far. */
    public long sent() {
        return sent.get();
    }

    /** Records the producer gave up on. */
    public long failed() {
        return failed.get();
    }

    /** Why the feed stopped by itself, or null. */
    public Throwable error() {
        return error;
    }

    /** Stops sending and waits until every record sent is acknowledged or failed. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        thread.join(10_000);
        producer.flush();
        producer.close(Duration.ofSeconds(30));
    }
}
