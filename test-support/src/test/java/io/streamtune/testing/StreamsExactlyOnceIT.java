package io.streamtune.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Kafka Streams exactly_once_v2 pass-through with a changelogged store on the test broker.
 * On a single node this only works when the transaction-state and offsets topics have
 * replication factor 1 and min ISR 1: without those settings the application never leaves
 * REBALANCING and this test times out.
 */
class StreamsExactlyOnceIT {

    @Test
    @Timeout(180)
    void shouldPassEveryRecordThroughExactlyOnceWithEosV2() throws Exception {
        String in = SharedKafka.uniqueName("eos-in");
        String out = SharedKafka.uniqueName("eos-out");
        SharedKafka.createTopics(2, in, out);
        int n = 200;
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(SharedKafka.clientProperties(), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(in, "k" + (i % 7), "v" + i));
            }
        }

        StreamsBuilder b = new StreamsBuilder();
        b.stream(in, Consumed.with(Serdes.String(), Serdes.String()).withName("source"))
                .groupByKey()
                .count(org.apache.kafka.streams.kstream.Materialized.as("counts"))
                .toStream(Named.as("counted"))
                .mapValues(String::valueOf, Named.as("to-string"))
                .to(out, Produced.with(Serdes.String(), Serdes.String()).withName("sink"));
        Properties p = SharedKafka.clientProperties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, SharedKafka.uniqueName("eos-app"));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(
                StreamsConfig.STATE_DIR_CONFIG,
                java.nio.file.Files.createTempDirectory("eos-state").toString());
        try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
            streams.start();
            List<String> seen = read(out, n);
            assertEquals(n, seen.size(), "one output per input");
            // Counts per key end at the number of inputs with that key: nothing lost, nothing twice.
            assertEquals(String.valueOf((n + 6) / 7), lastFor(seen, "k0"));
        }
    }

    private static List<String> read(String topic, int expected) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedKafka.uniqueName("eos-reader"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 120_000;
            long quietSince = Long.MAX_VALUE;
            while (System.currentTimeMillis() < deadline) {
                var records = consumer.poll(Duration.ofMillis(200));
                records.forEach(r -> values.add(r.key() + "=" + r.value()));
                if (values.size() >= expected) {
                    quietSince = Math.min(quietSince, System.currentTimeMillis());
                    if (System.currentTimeMillis() - quietSince > 2_000) {
                        break; // waited a little for duplicates that must not come
                    }
                }
            }
        }
        return values;
    }

    private static String lastFor(List<String> values, String key) {
        String last = null;
        for (String v : values) {
            if (v.startsWith(key + "=")) {
                last = v.substring(key.length() + 1);
            }
        }
        return last;
    }
}
