package io.streamtune.cli.faults;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.topic.TaskTopics;

/**
 * The records the fault steps inject, built and sent the way outside clients send them (issue 9):
 * a valid event padded to 1.2 MB and a 2 MiB malformed record, each sent without a key and
 * zstd-compressed, as {@code kcat -P -z zstd} sends a line (librdkafka: no idempotence, the batch
 * compressed, so the broker accepts a record far above 1 MiB that decompresses in the consumer); and
 * model records written by hand to {@code streamtune.models} (garbage bytes, or an older genuine
 * version last), as an operator's mistake or a replayed backup would.
 */
public final class Injections {
    /** Size of the padded valid event (bytes), as in issue 9, fault 1. */
    public static final int LARGE_EVENT_BYTES = 1_200_000;
    /** Size of the malformed record (bytes), as in issue 9, fault 1. */
    public static final int LARGE_MALFORMED_BYTES = 2 * 1024 * 1024;
    /** A producer request may carry records this large (the broker's limit is 16 MiB). */
    static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    private Injections() {}

    /**
     * A valid event of exactly {@code totalBytes} bytes: an id, a short text and a {@code pad} field of
     * {@code x}, e.g. {@code {"id":"big-1","text":"Shares rally on upgrade","pad":"xxxx..."}}.
     */
    public static byte[] paddedEvent(String id, int totalBytes) {
        String head = "{\"id\":\"" + id + "\",\"text\":\"Shares rally on upgrade\",\"pad\":\"";
        String tail = "\"}";
        int pad = totalBytes - head.length() - tail.length();
        if (pad < 0) {
            throw new IllegalArgumentException(totalBytes + " bytes cannot hold the event's fields");
        }
        byte[] out = new byte[totalBytes];
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(h, 0, out, 0, h.length);
        Arrays.fill(out, h.length, h.length + pad, (byte) 'x');
        byte[] t = tail.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, out, h.length + pad, t.length);
        return out;
    }

    /** {@code totalBytes} bytes that are not JSON: an object whose text string never ends. */
    public static byte[] unterminatedJson(String id, int totalBytes) {
        byte[] head = ("{\"id\":\"" + id + "\",\"text\":\"").getBytes(StandardCharsets.US_ASCII);
        if (head.length > totalBytes) {
            throw new IllegalArgumentException(totalBytes + " bytes cannot hold the record's start");
        }
        byte[] out = new byte[totalBytes];
        System.arraycopy(head, 0, out, 0, head.length);
        Arrays.fill(out, head.length, totalBytes, (byte) 'y');
        return out;
    }

    /** Bytes that no reader can take for a model artifact. */
    public static byte[] garbageModel(long seed) {
        byte[] noise = new byte[512];
        new Random(seed).nextBytes(noise);
        byte[] text = "not a model artifact: ".getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(text, text.length + noise.length);
        System.arraycopy(noise, 0, out, text.length, noise.length);
        return out;
    }

    /**
     * Sends {@code value} without a key to {@code topic}'s {@code partition}, zstd-compressed, as
     * {@code kcat -P -z zstd -p N} would, and waits for the broker.
     *
     * @return where it was written (the dead letter names this position)
     */
    public static RecordMetadata sendLikeKcat(KafkaClients clients, String topic, int partition, byte[] value)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (KafkaProducer<byte[], byte[]> p = clients.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "zstd",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                "false",
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(MAX_REQUEST_BYTES),
                ProducerConfig.BUFFER_MEMORY_CONFIG,
                Integer.toString(4 * MAX_REQUEST_BYTES)))) {
            return p.send(new ProducerRecord<>(topic, partition, null, value)).get(60, TimeUnit.SECONDS);
        }
    }

    /** Writes {@code value} as task {@code task}'s record on {@code streamtune.models}, outside any transaction. */
    public static RecordMetadata publishModelRecord(KafkaClients clients, String task, byte[] value)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (KafkaProducer<byte[], byte[]> p = clients.producer(Map.of(
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(MAX_REQUEST_BYTES)))) {
            return p.send(new ProducerRecord<>(TaskTopics.MODELS, task.getBytes(StandardCharsets.UTF_8), value))
                    .get(60, TimeUnit.SECONDS);
        }
    }
}
