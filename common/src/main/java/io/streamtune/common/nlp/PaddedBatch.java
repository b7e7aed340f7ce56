package io.streamtune.common.nlp;

import java.util.Arrays;

/**
 * Token ids of several texts padded to the longest, as an encoder takes them ({@code [batch, length]} each).
 *
 * @param rows for each row, the index of its text in the caller's list
 * @param ids token ids, padded with 0
 * @param mask attention mask: 1 for a token, 0 for padding
 * @param types token type ids, padded with 0
 * @param length the padded length (at least 1)
 */
public record PaddedBatch(int[] rows, long[][] ids, long[][] mask, long[][] types, int length) {

    /** Pads tokenised texts to the longest of them. */
    public static PaddedBatch of(int[] rows, EncoderTokenizer.Tokens[] chunk) {
        int len = 1;
        for (EncoderTokenizer.Tokens t : chunk) {
            len = Math.max(len, t.ids().length);
        }
        long[][] ids = new long[chunk.length][len];
        long[][] mask = new long[chunk.length][len];
        long[][] types = new long[chunk.length][len];
        for (int i = 0; i < chunk.length; i++) {
            long[] id = chunk[i].ids();
            System.arraycopy(id, 0, ids[i], 0, id.length);
            System.arraycopy(chunk[i].typeIds(), 0, types[i], 0, chunk[i].typeIds().length);
            Arrays.fill(mask[i], 0, id.length, 1L);
        }
        return new PaddedBatch(rows, ids, mask, types, len);
    }

    /**
     * Pads token ids of single sentences to the longest of them; every type id is 0 (segment A), as the tokenizer
     * gives it for one sentence.
     */
    public static PaddedBatch ofIds(int[] rows, long[][] chunk) {
        int len = 1;
        for (long[] id : chunk) {
            len = Math.max(len, id.length);
        }
        long[][] ids = new long[chunk.length][len];
        long[][] mask = new long[chunk.length][len];
        long[][] types = new long[chunk.length][len];
        for (int i = 0; i < chunk.length; i++) {
            System.arraycopy(chunk[i], 0, ids[i], 0, chunk[i].length);
            Arrays.fill(mask[i], 0, chunk[i].length, 1L);
        }
        return new PaddedBatch(rows, ids, mask, types, len);
    }

    /** Number of texts. */
    public int size() {
        return ids.length;
    }
}
