package io.streamtune.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.event.Example;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.serde.JsonSerde;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Transactions on the test broker: what read_committed readers see of our record types. */
class RecordTransactionsIT {

    @Test
    @Timeout(120)
    void shouldShowReadCommittedConsumersOnlyCommittedRecordsOfEveryType() {
        String examples = SharedKafka.uniqueName("tx.examples");
        String predictions = SharedKafka.uniqueName("tx.predictions");
        SharedKafka.createTopics(2, examples, predictions);

        Properties p = SharedKafka.clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, SharedKafka.uniqueName("tx"));
        List<Example> committed = new ArrayList<>();
        try (KafkaProducer<String, Example> ex = new KafkaProducer<>(
                p, new StringSerializer(), JsonSerde.of(Example.class).serializer())) {
            ex.initTransactions();
            ex.beginTransaction();
            for (int i = 0; i < 5; i++) {
                Example e = new Example("ok-" + i, "reviews", "text " + i, null, "positive", i, Map.of());
                committed.add(e);
                ex.send(new ProducerRecord<>(examples, "k", e));
            }
            ex.commitTransaction();
            ex.beginTransaction();
            ex.send(new ProducerRecord<>(
                    examples, "k", new Example("aborted", "reviews", "x", null, "negative", 9, Map.of())));
            ex.flush();
            ex.abortTransaction();
        }
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, SharedKafka.uniqueName("tx"));
        Prediction pred = new Prediction(
                "ok-0", "reviews", "positive", Map.of("negative", 0.2, "positive", 0.8), 1, 0, 3.0, Map.of());
        try (KafkaProducer<String, Prediction> pr = new KafkaProducer<>(
                p, new StringSerializer(), JsonSerde.of(Prediction.class).serializer())) {
            pr.initTransactions();
            pr.beginTransaction();
            pr.send(new ProducerRecord<>(predictions, "k", pred));
            pr.commitTransaction();
        }

        assertEquals(committed, readCommitted(examples, Example.class, committed.size() + 1));
        assertEquals(List.of(pred), readCommitted(predictions, Prediction.class, 2));
    }

    /** Reads until {@code atMost} records or 5 s of silence; more than expected would show an aborted record. */
    static <T> List<T> readCommitted(String topic, Class<T> type, int atMost) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedKafka.uniqueName("reader"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(
                c, new StringDeserializer(), JsonSerde.of(type).deserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.currentTimeMillis();
            while (out.size() < atMost && System.currentTimeMillis() - quietSince < 5_000) {
                var records = consumer.poll(Duration.ofMillis(200));
                records.forEach(r -> out.add(r.value()));
                if (!records.isEmpty()) {
                    quietSince = System.currentTimeMillis();
                }
            }
        }
        return out;
    }
}
