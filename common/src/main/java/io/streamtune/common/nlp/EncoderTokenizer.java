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
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

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
        return ids(new String[] {prepare(text)})[0];
    }

    /**
     * Token ids of texts as the encoder sees them, one array per text in order; ids only (a single sentence's type
     * ids are all 0 and its mask follows from the length).
     */
    public long[][] tokenIds(List<String> texts) {
        String[] prepared = new String[texts.size()];
        for (int i = 0; i < prepared.length; i++) {
            prepared[i] = prepare(texts.get(i));
        }
        return ids(prepared);
    }

    /**
     * Ids of prepared texts, fetched alone from the native encodings. DJL's whole {@code Encoding} (tokens as
     * strings, offsets, word ids) cost about half as much again as tokenising itself (measured 70-130 against
     * 60-80 us per tweet on 2 busy cores, docs/drafts/perf.md). Truncation is the tokenizer's own setting.
     */
    private long[][] ids(String[] prepared) {
        if (prepared.length == 0) {
            return new long[0][];
        }
        long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), prepared, true);
        long[][] ids = new long[handles.length][];
        try {
            for (int i = 0; i < handles.length; i++) {
                ids[i] = TokenizersLibrary.LIB.getTokenIds(handles[i]);
            }
        } finally {
            for (long h : handles) {
                TokenizersLibrary.LIB.deleteEncoding(h);
            }
        }
        return ids;
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

    /**
     * Token ids sorted by length and cut where padding would cost more than another model call ({@link
     * #subBatches}): each batch is padded to its own longest member, so short texts are not padded to a long one.
     * Results do not change (padding is masked out).
     *
     * @param ids token ids per text, as {@link #tokenIds(List)} gives them
     * @param maxBatch most texts in one batch (bounds the padded tensor)
     * @param callOverheadTokens the fixed cost of one model call, in padded token positions
     * @return batches whose {@link PaddedBatch#rows()} index {@code ids}; every text once
     */
    public static List<PaddedBatch> leastPaddedBatches(long[][] ids, int maxBatch, int callOverheadTokens) {
        int n = ids.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(ids[a].length, ids[b].length));
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = ids[order[i]].length;
        }
        List<PaddedBatch> out = new ArrayList<>();
        int start = 0;
        for (int end : subBatches(lengths, maxBatch, callOverheadTokens)) {
            int[] rows = new int[end - start];
            long[][] chunk = new long[end - start][];
            for (int i = start; i < end; i++) {
                rows[i - start] = order[i];
                chunk[i - start] = ids[order[i]];
            }
            out.add(PaddedBatch.ofIds(rows, chunk));
            start = end;
        }
        return out;
    }

    /**
     * Cuts texts sorted by token count into contiguous sub-batches so that the model's work is least: the cost of a
     * sub-batch is what it is padded to ({@code count x longest} token positions) plus a fixed cost per model call,
     * {@code callOverheadTokens} positions. Dynamic programming over the cut points, O(n x maxBatch).
     *
     * <p>The cost model is measured, not assumed: on 2 cores with one ONNX Runtime thread, MiniLM's time per call
     * grew in proportion to the padded positions from 1 x 8 to 32 x 128, with a fixed part per call of roughly 8 to
     * 16 positions (docs/drafts/perf.md). Attention is quadratic in the length but a few percent of the work at these
     * lengths (L / 6h: 128 / 2304 for hidden size 384).
     *
     * @param sortedLengths token counts in ascending order
     * @param maxBatch most texts in one sub-batch
     * @param callOverheadTokens fixed cost of one model call, in padded token positions
     * @return the exclusive end index of each sub-batch, ascending; the last is {@code sortedLengths.length}
     */
    static int[] subBatches(int[] sortedLengths, int maxBatch, int callOverheadTokens) {
        int n = sortedLengths.length;
        long[] best = new long[n + 1];
        int[] cut = new int[n + 1];
        for (int end = 1; end <= n; end++) {
            best[end] = Long.MAX_VALUE;
            long longest = sortedLengths[end - 1];
            for (int begin = end - 1; begin >= Math.max(0, end - maxBatch); begin--) {
                long cost = best[begin] + callOverheadTokens + (end - begin) * longest;
                if (cost < best[end]) {
                    best[end] = cost;
                    cut[end] = begin;
                }
            }
        }
        int count = 0;
        for (int end = n; end > 0; end = cut[end]) {
            count++;
        }
        int[] ends = new int[count];
        for (int end = n, k = count - 1; end > 0; end = cut[end], k--) {
            ends[k] = end;
        }
        return ends;
    }

    private String prepare(String text) {
        return spec.lowerCase() ? text.toLowerCase(Locale.ROOT) : text;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
