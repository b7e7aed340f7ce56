package io.streamtune.common.nlp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.TensorPack;

/**
 * Opens the pretrained text encoders shipped on the classpath.
 *
 * <p>Known ids: {@code all-minilm-l6-v2} (default, fp32), {@code all-minilm-l6-v2-q} (int8),
 * {@code bge-small-en-v1.5}, {@code bge-small-en-v1.5-q} (int8), {@code bge-small-zh-v1.5}
 * (Chinese, 512 dimensions). There is no int8 bge-small-zh on Maven Central, so none is offered.
 *
 * <pre>{@code
 * try (TextEncoder enc = Encoders.open("bge-small-en-v1.5", 128)) {
 *   float[][] v = enc.encode(List.of("the room was clean"));
 * }
 * }</pre>
 *
 * <p>Opening takes seconds (model copy, checksum, ONNX session); open once per process and
 * share the encoder, it is thread-safe.
 */
public final class Encoders {

    /** The default English encoder. */
    public static final String DEFAULT_ID = "all-minilm-l6-v2";

    /** Default maximum sequence length in tokens, special tokens included. */
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 128;

    private static final Map<String, EncoderSpec> SPECS = specs();

    private Encoders() {}

    private static Map<String, EncoderSpec> specs() {
        Map<String, EncoderSpec> m = new LinkedHashMap<>();
        put(m, new EncoderSpec("all-minilm-l6-v2", "all-minilm-l6-v2", Pooling.MEAN, false, 384));
        put(m, new EncoderSpec("all-minilm-l6-v2-q", "all-minilm-l6-v2-q", Pooling.MEAN, false, 384));
        put(m, new EncoderSpec("bge-small-en-v1.5", "bge-small-en-v1.5", Pooling.CLS, false, 384));
        put(m, new EncoderSpec("bge-small-en-v1.5-q", "bge-small-en-v1.5-q", Pooling.CLS, false, 384));
        put(m, new EncoderSpec("bge-small-zh-v1.5", "bge-small-zh-v1.5", Pooling.CLS, true, 512));
        return Map.copyOf(m);
    }

    private static void put(Map<String, EncoderSpec> m, EncoderSpec s) {
        m.put(s.id(), s);
    }

    /** The encoder ids {@link #open} accepts, in a stable order. */
    public static List<String> knownIds() {
        return List.of(
                "all-minilm-l6-v2",
                "all-minilm-l6-v2-q",
                "bge-small-en-v1.5",
                "bge-small-en-v1.5-q",
                "bge-small-zh-v1.5");
    }

    /** The static description of a known encoder, if the id is known. */
    public static Optional<EncoderSpec> spec(String encoderId) {
        return Optional.ofNullable(encoderId == null ? null : SPECS.get(encoderId));
    }

    /**
     * Opens an encoder with the default maximum sequence length (128 tokens).
     *
     * @throws EncoderException if the id is unknown or the model cannot be loaded
     */
    public static TextEncoder open(String encoderId) throws EncoderException {
        return open(encoderId, DEFAULT_MAX_SEQUENCE_LENGTH);
    }

    /**
     * Opens an encoder.
     *
     * @param encoderId one of {@link #knownIds()}
     * @param maxSequenceLength truncation length in tokens, special tokens included (2..512)
     * @throws EncoderException if the id is unknown or the model cannot be loaded
     */
    public static TextEncoder open(String encoderId, int maxSequenceLength) throws EncoderException {
        return open(encoderId, maxSequenceLength, intraOpThreadsFromSystem());
    }

    /**
     * Opens an encoder whose every call runs on {@code intraOpThreads} threads (0: one per core,
     * ONNX Runtime's default). The system property {@code streamtune.encoder.threads} overrides
     * the default of {@link #open(String, int)}.
     *
     * @throws EncoderException if the id is unknown or the model cannot be loaded
     */
    public static TextEncoder open(String encoderId, int maxSequenceLength, int intraOpThreads)
            throws EncoderException {
        return OnnxTextEncoder.open(
                checked(encoderId, maxSequenceLength, intraOpThreads), maxSequenceLength, intraOpThreads);
    }

    private static EncoderSpec checked(String encoderId, int maxSequenceLength, int intraOpThreads)
            throws EncoderException {
        EncoderSpec spec = spec(encoderId)
                .orElseThrow(
                        () -> new EncoderException("unknown encoder id '" + encoderId + "'; known ids: " + knownIds()));
        if (maxSequenceLength < 2 || maxSequenceLength > 512) {
            throw new EncoderException(
                    "maxSequenceLength must be in 2..512 for encoder " + encoderId + ", got " + maxSequenceLength);
        }
        if (intraOpThreads < 0) {
            throw new EncoderException("intra-op threads must be 0 (one per core) or more for encoder " + encoderId
                    + ", got " + intraOpThreads);
        }
        return spec;
    }

    /**
     * Opens an encoder whose weights are the base encoder's with a fine-tuning result applied
     * (tier 2): the same ONNX graph on ONNX Runtime, its initializers replaced by the pack's
     * tensors (BitFit, full) or by the matrices with the LoRA update merged in ({@code W' = W +
     * (alpha / rank) A B}). Tokenisation, padding, pooling and normalisation are the frozen
     * encoder's code. {@link TextEncoder#checksum()} is {@link #tunedChecksum} of the base file and
     * the pack, so caches and artifact checks never mix it with the frozen encoder.
     *
     * <pre>{@code
     * try (TextEncoder tuned = Encoders.open("all-minilm-l6-v2", 128, 1, TensorPack.decode(bytes))) {
     *   float[][] v = tuned.encode(List.of("shares jump"));
     * }
     * }</pre>
     *
     * @param weights a fine-tuning result ({@link FinetunedWeights} describes its contract); null
     *     opens the frozen encoder
     * @throws EncoderException if the id is unknown, an argument is out of range, or ONNX Runtime
     *     cannot load the model
     * @throws ArtifactException if the weights do not fit this encoder: ENCODER_MISMATCH (another
     *     encoder or another file of it), MALFORMED (mode or LoRA attributes, a tensor missing or
     *     unknown), SHAPE_MISMATCH (a tensor of the wrong shape)
     */
    public static TextEncoder open(String encoderId, int maxSequenceLength, int intraOpThreads, TensorPack weights)
            throws EncoderException, ArtifactException {
        if (weights == null) {
            return open(encoderId, maxSequenceLength, intraOpThreads);
        }
        EncoderSpec spec = checked(encoderId, maxSequenceLength, intraOpThreads);
        BertWeights base = BertWeights.load(encoderId);
        Map<String, TensorPack.Tensor> overrides = FinetunedWeights.overrides(weights, encoderId, base);
        EncoderFiles.OnnxFile file = EncoderFiles.onnx(encoderId);
        return OnnxTextEncoder.open(
                spec,
                maxSequenceLength,
                intraOpThreads,
                file,
                overrides,
                tunedChecksum(base.sha256(), weights.sha256()));
    }

    /**
     * The checksum of a fine-tuned encoder: lower-case hex SHA-256 of {@code "<base sha256>+<pack
     * sha256>"}. Differs from the base checksum and from every other pack's.
     */
    public static String tunedChecksum(String baseSha256, String weightsSha256) {
        return Sha256.hex(baseSha256 + "+" + weightsSha256);
    }

    /**
     * Opens the tokenizer of an encoder: the same code the encoder tokenises with, for callers that
     * feed a copy of the model themselves (the fine-tuning trainer).
     *
     * @throws EncoderException if the id is unknown or the tokenizer cannot be loaded
     */
    public static EncoderTokenizer openTokenizer(String encoderId, int maxSequenceLength) throws EncoderException {
        return EncoderTokenizer.open(checked(encoderId, maxSequenceLength, 0), maxSequenceLength);
    }

    private static int intraOpThreadsFromSystem() throws EncoderException {
        String v = System.getProperty("streamtune.encoder.threads");
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new EncoderException(
                    "system property streamtune.encoder.threads must be a whole number of threads, got '" + v + "'");
        }
    }
}
