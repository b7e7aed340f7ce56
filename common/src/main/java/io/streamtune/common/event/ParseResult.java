package io.streamtune.common.event;

import java.util.Objects;

/**
 * A parsed record or the reason it was rejected; never both.
 *
 * <pre>{@code
 * ParseResult<Event> r = parser.parseEvent(bytes);
 * if (r.isOk()) score(r.value()); else deadLetter(r.reason(), r.message());
 * }</pre>
 */
public final class ParseResult<T> {
    private final T value;
    private final Reason reason;
    private final String message;

    private ParseResult(T value, Reason reason, String message) {
        this.value = value;
        this.reason = reason;
        this.message = message;
    }

    public static <T> ParseResult<T> ok(T value) {
        return new ParseResult<>(Objects.requireNonNull(value), null, null);
    }

    public static <T> ParseResult<T> rejected(Reason reason, String message) {
        return new ParseResult<>(null, Objects.requireNonNull(reason), Objects.requireNonNull(message));
    }

    public boolean isOk() {
        return reason == null;
    }

    public T value() {
        if (!isOk()) {
            throw new IllegalStateException("rejected record has no value: " + reason + ": " + message);
        }
        return value;
    }

    public Reason reason() {
        return reason;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return isOk() ? "ok(" + value + ")" : "rejected(" + reason + ": " + message + ")";
    }
}
