package io.streamtune.common.nlp;

/**
 * Inference failed inside an encoder that opened fine (an ONNX Runtime or tokenizer fault).
 *
 * <p>Unchecked: it signals an infrastructure fault, not something a caller of
 * {@link TextEncoder#encode} can fix record by record.
 */
public class EncoderRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EncoderRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
