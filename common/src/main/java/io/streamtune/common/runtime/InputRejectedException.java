package io.streamtune.common.runtime;

import io.streamtune.common.event.Reason;

/**
 * One input of a batch cannot be used by a backbone (an image that does not decode, a text given to
 * an image backbone). The batch's other inputs are fine: callers score them without it, and the
 * rejected record goes to the dead-letter topic with {@link #reason()}.
 */
public final class InputRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final Reason reason;

    /**
     * @param index position of the input in the batch
     * @param reason the dead-letter reason
     * @param message what was wrong with it
     */
    public InputRejectedException(int index, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.index = index;
        this.reason = reason;
    }

    public int index() {
        return index;
    }

    public Reason reason() {
        return reason;
    }
}
