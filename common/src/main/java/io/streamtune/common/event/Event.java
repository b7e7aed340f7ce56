package io.streamtune.common.event;

import java.util.Map;

/**
 * An unlabelled event on {@code <task>.events}, to be classified. {@code attrs} carries what
 * monitoring groups by (entity, source) and is copied to the prediction.
 *
 * <pre>{@code
 * {"id":"e-1","text":"Shares tumble after profit warning","ts":1732300000000,"attrs":{"entity":"ACME"}}
 * }</pre>
 */
public record Event(String id, String task, String text, String image, long ts, Map<String, String> attrs) {
    public Event {
        attrs = attrs == null ? Map.of() : Map.copyOf(attrs);
    }
}
