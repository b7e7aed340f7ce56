package io.streamtune.common.nlp;

import java.util.List;

/**
 * A frozen sentence encoder: text in, one L2-normalised embedding per text out.
 *
 * <p>Implementations are thread-safe: {@link #encode} may be called from several stream
 * threads at once. Whoever opened an encoder closes it: in the services that is
 * {@link io.streamtune.common.runtime.Backbones}, which opens and shares every backbone.
 *
 * <pre>{@code
 * try (TextEncoder enc = Encoders.open(Encoders.DEFAULT_ID)) {
 *   float[][] v = enc.encode(List.of("great hotel", "awful food"));
 *   // v.length == 2, v[0].length == enc.dimension(), |v[i]| == 1
 * }
 * }</pre>
 */
public interface TextEncoder extends AutoCloseable {

    /** Stable encoder id, e.g. {@code all-minilm-l6-v2}; recorded in every model version. */
    String id();

    /** Length of each embedding. */
    int dimension();

    /** Lower-case hex SHA-256 of the ONNX model bytes; pins the exact weights a head was trained on. */
    String checksum();

    /**
     * Encodes a batch. Texts are truncated to the encoder's maximum sequence length; the batch
     * is padded only to its longest member.
     *
     * @param texts texts to encode, not null, no null elements
     * @return one L2-normalised vector per text, in input order
     * @throws IllegalStateException if the encoder is closed
     * @throws EncoderRuntimeException if inference fails
     */
    float[][] encode(List<String> texts);

    @Override
    void close();
}
