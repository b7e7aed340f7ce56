package io.streamtune.scoring;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.StreamtuneConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The scorer's producer and changelog topics can carry whatever passed limits.recordBytes. */
class ScoringRecordLimitsTest {
    private static final String PRODUCER_MAX = "producer.max.request.size";
    private static final String CHANGELOG_MAX = "topic.max.message.bytes";

    private static Properties props(String yaml) throws Exception {
        StreamtuneConfig config =
                StreamtuneConfig.parse(yaml + "\ntasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of());
        return ScoringSettings.from(config).streamsProperties(config);
    }

    @Test
    void shouldLetTheStreamsProducerAndChangelogsCarryTwiceTheRecordLimit() throws Exception {
        Properties p = props("kafka: {bootstrap.servers: \"x:1\"}");
        long expected = 2L * (1 << 20) + 64 * 1024;
        assertEquals(
                Long.toString(expected), p.get(PRODUCER_MAX), "predictions, dead letters and the buffer changelog");
        assertEquals(Long.toString(expected), p.get(CHANGELOG_MAX), "changelog topics Kafka Streams creates");

        Properties four = props("limits: {recordBytes: 4194304}");
        assertEquals(Long.toString(2L * (4 << 20) + 64 * 1024), four.get(PRODUCER_MAX));
        assertEquals(Long.toString(2L * (4 << 20) + 64 * 1024), four.get(CHANGELOG_MAX));
    }

    @Test
    void shouldKeepALargerSettingAndRaiseASmallerOne() throws Exception {
        assertEquals(
                "20000000",
                props("kafka: {producer.max.request.size: 20000000}").get(PRODUCER_MAX));
        assertEquals(
                "20000000",
                props("kafka: {max.request.size: 20000000}").get(PRODUCER_MAX),
                "the unprefixed client setting");
        assertEquals(
                Long.toString(2L * (1 << 20) + 64 * 1024),
                props("kafka: {max.request.size: 1048576}").get(PRODUCER_MAX),
                "Kafka's 1 MiB default is what halted the scorer (issue 9, fault 1)");
        assertEquals(
                Long.toString(2L * (1 << 20) + 64 * 1024),
                props("kafka: {topic.max.message.bytes: 1000}").get(CHANGELOG_MAX));
    }
}
