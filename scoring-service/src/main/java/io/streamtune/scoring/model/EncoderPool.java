package io.streamtune.scoring.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;

/**
 * Encoders opened once per encoder id and shared by every task, model version and stream
 * thread (encoders are thread-safe and take seconds and ~100-200 MB to open). The pool closes
 * the encoders it opened; encoders handed in with {@link #sharing} stay their owner's.
 *
 * <pre>{@code
 * try (EncoderPool pool = EncoderPool.opening(settings.encoderIntraOpThreads())) {
 *   TextEncoder enc = pool.get("all-minilm-l6-v2", 128);
 * }
 * }</pre>
 */
public final class EncoderPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EncoderPool.class);

    private final Map<String, TextEncoder> encoders = new LinkedHashMap<>();
    private final Set<String> borrowed;
    private final int intraOpThreads;
    private boolean closed;

    private EncoderPool(Map<String, TextEncoder> borrowed, int intraOpThreads) {
        encoders.putAll(borrowed);
        this.borrowed = Set.copyOf(borrowed.keySet());
        this.intraOpThreads = intraOpThreads;
    }

    /** A pool that opens encoders on first use, each call on {@code intraOpThreads} threads (0: one per core). */
    public static EncoderPool opening(int intraOpThreads) {
        return new EncoderPool(Map.of(), intraOpThreads);
    }

    /** A pool that serves these already open encoders (keyed by their id) and opens others on demand; it never closes these. */
    public static EncoderPool sharing(TextEncoder... open) {
        Map<String, TextEncoder> m = new LinkedHashMap<>();
        for (TextEncoder e : open) {
            m.put(e.id(), e);
        }
        return new EncoderPool(m, 0);
    }

    /**
     * The encoder with this id, opened now if needed. The first caller's sequence length wins;
     * tasks sharing an encoder share its truncation length.
     */
    public synchronized TextEncoder get(String encoderId, int maxSequenceLength) throws EncoderException {
        if (closed) {
            throw new IllegalStateException("encoder pool is closed");
        }
        TextEncoder e = encoders.get(encoderId);
        if (e == null) {
            long start = System.nanoTime();
            e = Encoders.open(encoderId, maxSequenceLength, intraOpThreads);
            encoders.put(encoderId, e);
            log.info("[scoring] opened encoder {} (max {} tokens) in {} ms", encoderId, maxSequenceLength,
                    (System.nanoTime() - start) / 1_000_000);
        }
        return e;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Map.Entry<String, TextEncoder> e : encoders.entrySet()) {
            if (!borrowed.contains(e.getKey())) {
                try {
                    e.getValue().close();
                } catch (RuntimeException ex) {
                    log.warn("[scoring] closing encoder {} failed: {}", e.getKey(), ex.toString());
                }
            }
        }
        encoders.clear();
    }
}
