package io.streamtune.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Testcontainers path: runs against a Kafka container where a Docker engine answers and is
 * reported as skipped ("disabledWithoutDocker") where none does, as on CI here.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersKafkaIT {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(SharedKafka.KAFKA_IMAGE);

    @Test
    void shouldProduceAndConsumeThroughAContainerBroker() throws Exception {
        String bootstrap = KAFKA.getBootstrapServers();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("tc", "k", "v")).get();
        }
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", bootstrap, "group.id", "tc", "auto.offset.reset", "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            c.subscribe(List.of("tc"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            for (int i = 0; i < 50 && records.isEmpty(); i++) {
                records = c.poll(Duration.ofMillis(500));
            }
            assertEquals("v", records.iterator().next().value());
        }
    }
}
