package io.streamtune.common.model;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The kinds of record on {@code streamtune.model-events}, named by the header
 * {@value #HEADER}. The trainer's decisions were written before the header existed, so a record
 * without it is a {@link #MODEL_EVENT}.
 *
 * <pre>{@code
 * if (RecordType.of(record.headers()) != RecordType.MODEL_EVENT) continue;   // not a trainer decision
 * ModelEvent e = Json.read(record.value(), ModelEvent.class);
 * }</pre>
 */
public enum RecordType {
    /** A trainer decision ({@link ModelEvent}): published or rejected. */
    MODEL_EVENT("model-event"),
    /** Live accuracy of a model version from late labels ({@link LiveMetrics}), written by the monitor. */
    LIVE_METRICS("live-metrics"),
    /** A type this version does not know (written by a newer service): readers skip it. */
    OTHER("other");

    /** Header carrying the record type. */
    public static final String HEADER = "streamtune.record.type";

    private final String wire;

    RecordType(String wire) {
        this.wire = wire;
    }

    /** The header value and the JSON {@code type} field of this kind. */
    public String wire() {
        return wire;
    }

    /** The header value as bytes, for producers. */
    public byte[] headerValue() {
        return wire.getBytes(StandardCharsets.UTF_8);
    }

    /** The type a record's headers name: no header is a {@link #MODEL_EVENT}, an unknown value {@link #OTHER}. */
    public static RecordType of(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        if (h == null || h.value() == null) {
            return MODEL_EVENT;
        }
        String v = new String(h.value(), StandardCharsets.UTF_8);
        for (RecordType t : values()) {
            if (t.wire.equals(v)) {
                return t;
            }
        }
        return OTHER;
    }
}
