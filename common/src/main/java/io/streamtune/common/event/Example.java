package io.streamtune.common.event;

import java.util.Map;

/**
 * A labelled example on {@code <task>.examples}.
 *
 * <pre>{@code
 * {"id":"r-1","task":"reviews","text":"Great value","label":"positive","ts":1732300000000,"attrs":{"source":"web"}}
 * }</pre>
 *
 * @param id    unique id; also decides holdout membership, so it must be stable
 * @param task  the task name (may be omitted on the wire: the topic names the task)
 * @param text  the text, for text tasks
 * @param image base64 of an encoded image (PNG, JPEG, ...), for image tasks
 * @param label one of the task's labels
 * @param ts    event time in epoch milliseconds (0: use the record's timestamp)
 * @param attrs free string attributes (entity, source, ...)
 */
public record Example(
        String id, String task, String text, String image, String label, long ts, Map<String, String> attrs) {
    public Example {
        attrs = attrs == null ? Map.of() : Map.copyOf(attrs);
    }

    /** The same record without its label, as it would arrive on {@code <task>.events}. */
    public Event toEvent() {
        return new Event(id, task, text, image, ts, attrs);
    }
}
