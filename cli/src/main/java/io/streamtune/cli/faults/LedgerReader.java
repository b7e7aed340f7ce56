package io.streamtune.cli.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/**
 * Reads every task's {@code predictions} and {@code dlq} topics read_committed, as a user's reader
 * would, from the beginning, and enters what it reads in the {@link DeliveryLedger}: a prediction by the
 * id in its value, a dead letter by its key (the original record's key) or, for a record sent without
 * a key (as {@code kcat -P} sends one), by the source topic, partition and offset its headers name.
 * Assigned, not subscribed: no consumer group, so it reads on while the broker's group coordinator is
 * away.
 */
public final class LedgerReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerReader.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeliveryLedger ledger;
    private final Map<String, String> idsByPosition = new ConcurrentHashMap<>();
    /** Dead letters without a key read before their position was named: reason by position. */
    private final Map<String, String> unmatched = new ConcurrentHashMap<>();

    private final AtomicLong unreadable = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param tasks the run's task names
     */
    public LedgerReader(KafkaClients clients, List<String> tasks, DeliveryLedger ledger) {
        this.ledger = ledger;
        this.consumer = clients.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String task : tasks) {
            TaskTopics t = TaskTopics.of(task);
            for (String topic : List.of(t.predictions(), t.dlq())) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    consumer.close();
                    throw new IllegalStateException("topic " + topic + " does not exist");
                }
                infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "bench-faults-reader");
        this.thread.setDaemon(true);
    }

    /**
     * Names the id of a record sent without a key, so that its dead letter can be matched by the
     * position its headers give.
     */
    public synchronized void expectAt(String topic, int partition, long offset, String id) {
        String at = position(topic, partition, offset);
        idsByPosition.put(at, id);
        String reason = unmatched.remove(at);
        if (reason != null) {
            ledger.deadLettered(id, reason);
        }
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            while (!stopping) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    if (r.topic().endsWith(".dlq")) {
                        deadLetter(r);
                    } else {
                        prediction(r, now);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("[bench-faults] the reader stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void prediction(ConsumerRecord<byte[], byte[]> r, long now) {
        try {
            Prediction p = Json.read(r.value(), Prediction.class);
            ledger.predicted(p.id(), p.modelVersion(), now);
        } catch (IOException | RuntimeException e) {
            unreadable.incrementAndGet();
        }
    }

    private synchronized void deadLetter(ConsumerRecord<byte[], byte[]> r) {
        String reason = header(r, DeadLetter.REASON);
        if (r.key() != null) {
            ledger.deadLettered(new String(r.key(), StandardCharsets.UTF_8), reason);
            return;
        }
        String at = position(
                header(r, DeadLetter.SOURCE_TOPIC),
                parse(header(r, DeadLetter.SOURCE_PARTITION)),
                parse(header(r, DeadLetter.SOURCE_OFFSET)));
        String id = idsByPosition.get(at);
        if (id != null) {
            ledger.deadLettered(id, reason);
        } else {
            unmatched.put(at, reason == null ? "(no reason)" : reason);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        return DeadLetter.header(r.headers(), key);
    }

    private static long parse(String number) {
        try {
            return number == null ? -1 : Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String position(String topic, long partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /** Dead letters without a key whose position no injection named (e.g. {@code finance.events-2@417}). */
    public Map<String, String> unmatchedDeadLetters() {
        return Map.copyOf(unmatched);
    }

    /** Prediction records whose value was not a prediction. */
    public long unreadable() {
        return unreadable.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        consumer.wakeup();
        thread.join(10_000);
    }
}
