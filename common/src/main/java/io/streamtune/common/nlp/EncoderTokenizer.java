package io.streamtune.common.nlp;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * The tokenisation of an encoder, shared by everything that feeds it: the frozen and the fine-tuned serving encoder
 * ({@link OnnxTextEncoder}) and the trainable copy in the trainer. Lower-cases when the encoder's spec says so,
 * adds the special tokens, truncates to the maximum sequence length, and pads a batch to its longest member with
 * id 0 ({@code [PAD]} in every shipped vocabulary) under a zero attention mask.
 *
 * <p>Thread-safe (the Hugging Face tokenizer is). Whoever opens it closes it.
 *
 * <pre>{@code
 * try (EncoderTokenizer tok = Encoders.openTokenizer("all-minilm-l6-v2", 128)) {
 *   for (PaddedBatch b : tok.lengthSortedBatches(texts, 64)) { ... b.rows()[i] is the text of row i ... }
 * }
 * }</pre>
 */
public final class EncoderTokenizer implements AutoCloseable {

    /**
     * Token ids of one text.
     *
     * @param ids token ids with special tokens, at most the maximum sequence length
     * @param typeIds token type ids, as long as {@code ids}
     */
    public record Tokens(long[] ids, long[] typeIds) {}

    private final EncoderSpec spec;
    private final int maxSequenceLength;
    private final HuggingFaceTokenizer tokenizer;

    private EncoderTokenizer(EncoderSpec spec, int maxSequenceLength, HuggingFaceTokenizer tokenizer) {
        this.spec = spec;
        this.maxSequenceLength = maxSequenceLength;
        this.tokenizer = tokenizer;
    }

    static EncoderTokenizer open(EncoderSpec spec, int maxSequenceLength) throws EncoderException {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = EncoderTokenizer.class.getClassLoader();
        }
        try (InputStream in = cl.getResourceAsStream(spec.tokenizerResource())) {
            if (in == null) {
                throw new EncoderException("tokenizer resource " + spec.tokenizerResource() + " of encoder " + spec.id()
                        + " is not on the classpath");
            }
            // Truncation and padding are set here rather than trusting tokenizer.json: padding is done per batch
            // (pad to the longest), truncation to our configured length.
            return new EncoderTokenizer(
                    spec,
                    maxSequenceLength,
                    HuggingFaceTokenizer.newInstance(
                            in,
                            Map.of(
                                    "maxLength", Integer.toString(maxSequenceLength),
                                    "truncation", "true",
                                    "padding", "false",
                                    "addSpecialTokens", "true")));
        } catch (IOException | RuntimeException e) {
            throw new EncoderException("cannot load tokenizer of encoder " + spec.id() + ": " + e, e);
        }
    }

    /** Maximum sequence length in tokens, special tokens included. */
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Token ids of one text as the encoder sees them. */
    public long[] tokenIds(String text) {
        return tokenizer.encode(prepare(text)).getIds();
    }

    /** Tokenises texts, one {@link Tokens} per text in order. */
    public Tokens[] tokenize(List<String> texts) {
        String[] prepared = new String[texts.size()];
        for (int i = 0; i < prepared.length; i++) {
            prepared[i] = prepare(texts.get(i));
        }
        Encoding[] enc = prepared.length == 0 ? new Encoding[0] : tokenizer.batchEncode(prepared);
        Tokens[] out = new Tokens[enc.length];
        for (int i = 0; i < enc.length; i++) {
            out[i] = new Tokens(enc[i].getIds(), enc[i].getTypeIds());
        }
        return out;
    }

    /**
     * Tokenises texts and groups them, sorted by length, into padded batches of at most {@code maxBatch}: similar
     * lengths share a batch, so less padding is computed (padding is masked out, so results do not change).
     */
    public List<PaddedBatch> lengthSortedBatches(List<String> texts, int maxBatch) {
        Tokens[] tokens = tokenize(texts);
        Integer[] order = new Integer[tokens.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(tokens[a].ids().length, tokens[b].ids().length));
        List<PaddedBatch> out = new ArrayList<>();
        for (int start = 0; start < tokens.length; start += maxBatch) {
            int end = Math.min(tokens.length, start + maxBatch);
            int[] rows = new int[end - start];
            Tokens[] chunk = new Tokens[end - start];
            for (int i = start; i < end; i++) {
                rows[i - start] = order[i];
                chunk[i - start] = tokens[order[i]];
            }
            out.add(PaddedBatch.of(rows, chunk));
        }
        return out;
    }

    private String prepare(String text) {
        return spec.lowerCase() ? text.toLowerCase(Locale.ROOT) : text;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
