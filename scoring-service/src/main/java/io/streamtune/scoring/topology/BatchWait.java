package io.streamtune.scoring.topology;

/**
 * When a partly filled micro-batch goes to the encoder ({@code scoring.batch.wait}). A full batch (by
 * count or by tokens) always goes at once.
 *
 * <ul>
 *   <li>{@link #ADAPTIVE}: as soon as an encoder worker is idle, whatever waits goes; otherwise when the
 *       oldest event has waited {@code batch.maxWait}. At low rates every event is scored at once; under
 *       load the workers are busy, events pile up while they work, and batches fill by themselves (the
 *       dynamic batching of inference servers such as Triton and text-embeddings-inference).</li>
 *   <li>{@link #FIXED}: only when the oldest event has waited {@code batch.maxWait} (the behaviour before
 *       adaptive waiting; also what runs when encoding on the stream threads, where no worker can be idle).</li>
 * </ul>
 */
public enum BatchWait {
    ADAPTIVE,
    FIXED
}
