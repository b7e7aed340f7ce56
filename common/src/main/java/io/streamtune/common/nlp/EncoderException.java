package io.streamtune.common.nlp;

/**
 * An encoder could not be opened or could not encode (unknown id, missing model resource,
 * ONNX Runtime failure).
 *
 * <p>Checked because the caller can act: pick another encoder id, or refuse a model version
 * whose encoder is not available on this instance.
 *
 * <pre>{@code
 * try (TextEncoder enc = Encoders.open("all-minilm-l6-v2")) { ... }
 * catch (EncoderException e) { log.error("cannot open encoder: {}", e.getMessage()); }
 * }</pre>
 */
public class EncoderException extends Exception {
    private static final long serialVersionUID = 1L;

    public EncoderException(String message) {
        super(message);
    }

    public EncoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
