package io.streamtune.common.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads whole topics, from the beginning to the end they have now, read_committed and without a
 * consumer group: how services and commands learn the model history.
 *
 * <pre>{@code
 * List<ConsumerRecord<byte[], byte[]>> all = TopicReader.readAll(clients, List.of(TaskTopics.MODEL_EVENTS), Duration.ofSeconds(30));
 * }</pre>
 */
public final class TopicReader {
    private TopicReader() {}

    /**
     * Every committed record of the topics; a topic that does not exist reads as empty.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when Kafka does not answer, or the topics cannot be
     *     read to their end, within {@code timeout}
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            KafkaClients clients, List<String> topics, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
                if (infos != null) {
                    infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            if (parts.isEmpty()) {
                return out;
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (parts.stream().anyMatch(tp -> c.position(tp, timeout) < end.get(tp))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new org.apache.kafka.common.errors.TimeoutException(
                            "could not read " + topics + " to their end within " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
