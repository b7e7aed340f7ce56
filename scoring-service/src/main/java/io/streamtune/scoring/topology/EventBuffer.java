package io.streamtune.scoring.topology;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The events of one partition that have no prediction yet, in a changelogged store (under
 * exactly_once_v2 the store's writes, the outputs and the input offsets commit in one transaction, so
 * a crash neither loses nor repeats an event), plus the in-memory queue of those not yet in a batch.
 * An event leaves the store only when its prediction (or dead letter) is forwarded.
 *
 * <p>Sequence numbers order the events within the partition; after a restart the store's content
 * waits again, in its order. Each waiting event carries its token count when it was known at append
 * (a model was in service to count it); an unknown count is asked for when a batch is cut. Counts are
 * not stored: they follow from the text and the backbone. Not thread-safe: the stream thread owns it.
 */
final class EventBuffer {
    /** A count not known yet. */
    static final int UNKNOWN = -1;

    private final KeyValueStore<Long, BufferedEvent> store;
    private final Deque<Waiting> waiting = new ArrayDeque<>();
    private long nextSeq;
    private int size;
    /** Tokens of the waiting events whose count is known. */
    private long waitingTokens;

    /** A waiting event: its sequence number and tokens ({@link #UNKNOWN} when not counted yet). */
    private static final class Waiting {
        final long seq;
        int tokens;

        Waiting(long seq, int tokens) {
            this.seq = seq;
            this.tokens = tokens;
        }
    }

    /** Counts the tokens of a waiting event (by sequence number) when a batch is cut. */
    @FunctionalInterface
    interface TokenCounter {
        int tokens(long seq);
    }

    EventBuffer(KeyValueStore<Long, BufferedEvent> store) {
        this.store = store;
    }

    /** Reloads the queue from the store (after a restart or a rebalance); returns how many events wait. */
    int restore() {
        waiting.clear();
        waitingTokens = 0;
        nextSeq = 0;
        try (KeyValueIterator<Long, BufferedEvent> it = store.all()) {
            while (it.hasNext()) {
                long seq = it.next().key;
                waiting.add(new Waiting(seq, UNKNOWN));
                nextSeq = Math.max(nextSeq, seq + 1);
            }
        }
        size = waiting.size();
        return size;
    }

    /** Stores an event and queues it for a batch; {@code tokens} is its count, or {@link #UNKNOWN}. */
    void append(BufferedEvent event, int tokens) {
        long seq = nextSeq++;
        store.put(seq, event);
        waiting.add(new Waiting(seq, tokens));
        if (tokens > 0) {
            waitingTokens += tokens;
        }
        size++;
    }

    /** Events in the store: waiting plus in batches not yet forwarded. */
    int size() {
        return size;
    }

    /** Events waiting for a batch. */
    int waiting() {
        return waiting.size();
    }

    /** Tokens of the waiting events whose count is known (a lower bound of what waits). */
    long waitingTokens() {
        return waitingTokens;
    }

    /** The oldest waiting event, or null. */
    BufferedEvent oldestWaiting() {
        Waiting w = waiting.peekFirst();
        return w == null ? null : store.get(w.seq);
    }

    /**
     * Takes the next batch off the queue, oldest first, as {@code policy} cuts it (by count and tokens);
     * the events stay in the store. Unknown counts are asked of {@code counter}, only for events the
     * batch may take, and kept.
     */
    List<Long> take(ScoringTopology.BatchPolicy policy, TokenCounter counter) {
        List<Waiting> view = new ArrayList<>(Math.min(policy.size(), waiting.size()));
        for (Waiting w : waiting) {
            if (view.size() == policy.size()) {
                break;
            }
            view.add(w);
        }
        int n = policy.cut(
                i -> {
                    Waiting w = view.get(i);
                    if (w.tokens == UNKNOWN) {
                        w.tokens = Math.max(0, counter.tokens(w.seq));
                        waitingTokens += w.tokens;
                    }
                    return w.tokens;
                },
                view.size());
        List<Long> seqs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Waiting w = waiting.removeFirst();
            if (w.tokens > 0) {
                waitingTokens -= w.tokens;
            }
            seqs.add(w.seq);
        }
        return seqs;
    }

    /** The stored event, or null when it is missing (not expected: the store and the queue change together). */
    BufferedEvent get(long seq) {
        return store.get(seq);
    }

    /** Removes an event whose prediction or dead letter was forwarded (or that is missing from the store). */
    void remove(long seq) {
        store.delete(seq);
        size--;
    }

    /** Forgets the queue (the store keeps its content for whoever owns the partition next). */
    void clearQueue() {
        waiting.clear();
        waitingTokens = 0;
    }
}
