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
 * waits again, in its order. Not thread-safe: the stream thread owns it.
 */
final class EventBuffer {
    private final KeyValueStore<Long, BufferedEvent> store;
    private final Deque<Long> waiting = new ArrayDeque<>();
    private long nextSeq;
    private int size;

    EventBuffer(KeyValueStore<Long, BufferedEvent> store) {
        this.store = store;
    }

    /** Reloads the queue from the store (after a restart or a rebalance); returns how many events wait. */
    int restore() {
        waiting.clear();
        nextSeq = 0;
        try (KeyValueIterator<Long, BufferedEvent> it = store.all()) {
            while (it.hasNext()) {
                long seq = it.next().key;
                waiting.add(seq);
                nextSeq = Math.max(nextSeq, seq + 1);
            }
        }
        size = waiting.size();
        return size;
    }

    /** Stores an event and queues it for a batch. */
    void append(BufferedEvent event) {
        long seq = nextSeq++;
        store.put(seq, event);
        waiting.add(seq);
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

    /** The oldest waiting event, or null. */
    BufferedEvent oldestWaiting() {
        Long seq = waiting.peekFirst();
        return seq == null ? null : store.get(seq);
    }

    /** Takes up to {@code max} waiting events off the queue, oldest first (they stay in the store). */
    List<Long> take(int max) {
        List<Long> seqs = new ArrayList<>(Math.min(max, waiting.size()));
        while (!waiting.isEmpty() && seqs.size() < max) {
            seqs.add(waiting.removeFirst());
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
    }
}
