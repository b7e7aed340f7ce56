package io.streamtune.common.config;

import java.util.List;

/**
 * The size limits of the records streamtune reads and writes: section {@code limits} of the
 * configuration, the same for {@code produce}, the trainer and the scorer.
 *
 * <pre>{@code
 * limits:
 *   recordBytes: 1048576   # examples and events larger than this are rejected with RECORD_TOO_LARGE
 * }</pre>
 *
 * <p>Everything else is derived from {@link #recordBytes()}, so the broker, the topics and the
 * producers agree:
 * <ul>
 *   <li>an example or event whose key, value and headers together exceed {@code recordBytes} is
 *       rejected at parse time ({@code RecordParser}); a dead letter fits {@code recordBytes}
 *       whatever it carries ({@code DeadLetter});</li>
 *   <li>every producer that writes task records (predictions, dead letters, the scorer's buffer
 *       changelog) may send {@link #writeBytes()} = 2 x recordBytes + 64 KiB, and every task topic
 *       and Kafka Streams changelog accepts as much ({@code max.message.bytes}); the factor 2
 *       covers what a service adds to a record it passed (reason headers, prediction fields)
 *       with room to spare;</li>
 *   <li>model records may be up to {@link #MODEL_BYTES} (16 MiB); the trainer's producer sends
 *       {@link #modelWriteBytes()};</li>
 *   <li>a broker must accept {@link #BROKER_MESSAGE_BYTES} ({@code message.max.bytes}), the largest
 *       of these for any allowed {@code recordBytes}.</li>
 * </ul>
 *
 * @param recordBytes the largest example or event, in bytes (key + value + headers)
 */
public record Limits(int recordBytes) {
    public static final String SECTION = "limits";
    /** Below this a dead letter with its reason headers (up to about 21 KiB) could not fit the limit. */
    public static final int MIN_RECORD_BYTES = 64 << 10;

    public static final int MAX_RECORD_BYTES = 8 << 20;
    public static final Setting<Integer> RECORD_BYTES = Setting.integer(
            "recordBytes",
            1 << 20,
            MIN_RECORD_BYTES,
            MAX_RECORD_BYTES,
            "largest example or event in bytes (key + value + headers); larger ones are rejected"
                    + " with RECORD_TOO_LARGE");
    /** Every declared setting of the section. */
    public static final List<Setting<?>> SETTINGS = List.of(RECORD_BYTES);

    /** Headroom of producers and topics above twice the record limit (record and batch overhead, reason headers). */
    public static final int MARGIN_BYTES = 64 << 10;
    /** The largest model record ({@code streamtune.models}, {@code streamtune.model-events}). */
    public static final int MODEL_BYTES = 16 << 20;
    /** What a broker's {@code message.max.bytes} must allow: the largest write of any streamtune producer. */
    public static final int BROKER_MESSAGE_BYTES =
            Math.max(MODEL_BYTES + MARGIN_BYTES, 2 * MAX_RECORD_BYTES + MARGIN_BYTES);
    /**
     * Room an image record needs besides its base64 image (id, attrs, key, headers): an image task's
     * {@code maxImageBytes}, in base64, plus this must fit {@code recordBytes}.
     */
    public static final int IMAGE_RECORD_MARGIN_BYTES = 16 << 10;

    public Limits {
        if (recordBytes < MIN_RECORD_BYTES || recordBytes > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException(SECTION + "." + RECORD_BYTES.key() + " " + recordBytes
                    + " is out of range [" + MIN_RECORD_BYTES + ", " + MAX_RECORD_BYTES + "]");
        }
    }

    /** The defaults (1 MiB records). */
    public static Limits defaults() {
        return new Limits(RECORD_BYTES.defaultValue());
    }

    /**
     * {@code max.request.size} of producers that write task records and {@code max.message.bytes} of
     * task topics and Kafka Streams changelogs: 2 x {@link #recordBytes()} + {@link #MARGIN_BYTES}.
     */
    public int writeBytes() {
        return 2 * recordBytes + MARGIN_BYTES;
    }

    /** {@code max.request.size} of a producer that writes model records: {@link #MODEL_BYTES} + 64 KiB. */
    public static int modelWriteBytes() {
        return MODEL_BYTES + MARGIN_BYTES;
    }

    /** The bytes of base64 text that encode {@code bytes} bytes (4 characters per 3 bytes, padded). */
    public static long base64Length(long bytes) {
        return (bytes + 2) / 3 * 4;
    }

    /**
     * The largest {@code maxImageBytes} whose record fits {@link #recordBytes()}: its base64 plus
     * {@link #IMAGE_RECORD_MARGIN_BYTES}.
     */
    public int maxImageBytes() {
        return (recordBytes - IMAGE_RECORD_MARGIN_BYTES) / 4 * 3;
    }
}
