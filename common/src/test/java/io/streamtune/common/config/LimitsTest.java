package io.streamtune.common.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One record limit, and everything that must agree with it. */
class LimitsTest {
    private static final String TASK = "tasks: [{name: t, labels: [a, b]}]";

    @Test
    void shouldDefaultToOneMiBRecordsAndDeriveTheWriteLimit() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.parse("tasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of());
        assertEquals(1 << 20, c.limits().recordBytes());
        assertEquals(2 * (1 << 20) + 64 * 1024, c.limits().writeBytes());
        assertEquals(512 * 1024, c.requireTask("t").maxImageBytes(), "the image default fits the default record limit");

        StreamtuneConfig set = StreamtuneConfig.parse("limits: {recordBytes: 4194304}\n" + TASK, Map.of(), Map.of());
        assertEquals(4 << 20, set.limits().recordBytes());
    }

    @Test
    void shouldNameTheKeyOfARecordLimitOutOfRange() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> StreamtuneConfig.parse(
                        "limits: {recordBytes: 1000}\ntasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("limits.recordBytes: 1000 is out of range"), e.getMessage());
        ConfigException big = assertThrows(
                ConfigException.class,
                () -> StreamtuneConfig.parse(
                        "limits: {recordBytes: 9000000}\ntasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of()));
        assertTrue(big.getMessage().contains("limits.recordBytes"), big.getMessage());
    }

    @Test
    void shouldRefuseAnImageTaskWhoseMaxImageBytesCannotFitTheRecordLimit() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - {name: pics, modality: image, labels: [cat, dog], maxImageBytes: 1048576}
                """, Map.of(), Map.of()));
        assertTrue(
                e.getMessage().contains("tasks[0] (pics).maxImageBytes")
                        && e.getMessage().contains("limits.recordBytes 1048576")
                        && e.getMessage().contains("at most " + new Limits(1 << 20).maxImageBytes()),
                e.getMessage());

        int largest = new Limits(1 << 20).maxImageBytes();
        assertTrue(Limits.base64Length(largest) + Limits.IMAGE_RECORD_MARGIN_BYTES <= 1 << 20);
        StreamtuneConfig ok = StreamtuneConfig.parse(
                "tasks: [{name: pics, modality: image, labels: [cat, dog]," + " maxImageBytes: " + largest + "}]",
                Map.of(),
                Map.of());
        assertEquals(largest, ok.requireTask("pics").maxImageBytes());
        assertThrows(
                ConfigException.class,
                () -> StreamtuneConfig.parse(
                        "tasks: [{name: pics, modality: image, labels: [cat, dog]," + " maxImageBytes: " + (largest + 3)
                                + "}]",
                        Map.of(),
                        Map.of()));
        StreamtuneConfig raised = StreamtuneConfig.parse("""
                limits: {recordBytes: 2097152}
                tasks: [{name: pics, modality: image, labels: [cat, dog], maxImageBytes: 1048576}]
                """, Map.of(), Map.of());
        assertEquals(1 << 20, raised.requireTask("pics").maxImageBytes(), "a larger record limit makes room");
    }

    @Test
    void shouldCreateTaskTopicsThatTakeWhatTheProducersMayWrite() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.parse("limits: {recordBytes: 2097152}\n" + TASK, Map.of(), Map.of());
        TaskTopics t = TaskTopics.of("t");
        int tasks = 0;
        for (TopicSpec spec : c.topicLayout()) {
            long bytes = Long.parseLong(spec.configs().get("max.message.bytes"));
            if (spec.name().startsWith("t.")) {
                assertEquals(c.limits().writeBytes(), bytes, spec.name());
                tasks++;
            } else {
                assertEquals(Limits.modelWriteBytes(), bytes, spec.name());
                assertTrue(bytes > Limits.MODEL_BYTES, "a 16 MiB model plus its batch overhead fits " + spec.name());
            }
        }
        assertEquals(5, tasks, "examples, events, predictions, dlq, alerts of " + t);
    }

    @Test
    void shouldAskTheBrokerForTheLargestWriteOfAnyAllowedLimit() {
        assertTrue(Limits.BROKER_MESSAGE_BYTES >= new Limits(Limits.MAX_RECORD_BYTES).writeBytes());
        assertTrue(Limits.BROKER_MESSAGE_BYTES >= Limits.modelWriteBytes());
    }
}
