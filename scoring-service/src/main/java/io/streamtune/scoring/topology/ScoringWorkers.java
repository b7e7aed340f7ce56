package io.streamtune.scoring.topology;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run encoder batches for the scoring processors, so that a stream thread goes
 * on reading, buffering and writing while the cores encode ({@code scoring.encoder.workers}).
 *
 * <p>At most two batches per worker are submitted and not yet done: a stream thread that would
 * submit more waits in {@link #submit} until a worker finishes one. That bounds memory and keeps
 * the next batch ready for every worker. With no workers ({@link #inline()}) a batch runs on the
 * caller, the stream thread, and its future is complete when {@code submit} returns.
 *
 * <pre>{@code
 * try (ScoringWorkers workers = ScoringWorkers.start(2)) {
 *   CompletableFuture<List<Classification>> f = workers.submit(() -> classifier.classify(texts));
 * }
 * }</pre>
 */
public final class ScoringWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScoringWorkers.class);

    private final int size;
    private final ExecutorService pool;
    private final Semaphore slots;

    private ScoringWorkers(int size) {
        this.size = size;
        if (size == 0) {
            pool = null;
            slots = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(size, r -> {
                Thread t = new Thread(r, "scoring-encoder-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            slots = new Semaphore(2 * size);
        }
    }

    /** Batches run on the thread that submits them (the stream thread). */
    public static ScoringWorkers inline() {
        return new ScoringWorkers(0);
    }

    /** {@code n} worker threads; 0 is {@link #inline()}. */
    public static ScoringWorkers start(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("scoring.encoder.workers must be 0 or more, got " + n);
        }
        return new ScoringWorkers(n);
    }

    /** Batches submitted and not finished (always 0 inline). */
    public int pending() {
        return slots == null ? 0 : 2 * size - slots.availablePermits();
    }

    /**
     * Whether a worker has nothing to do now, so a batch submitted now starts at once. Never inline:
     * there the caller, a stream thread, is the worker.
     */
    public boolean idle() {
        return slots != null && pending() < size;
    }

    /** The number of worker threads; 0 when batches run inline. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code work} on a worker, waiting first while every slot is taken. The future fails
     * with what {@code work} threw.
     */
    public <T> CompletableFuture<T> submit(Supplier<T> work) throws InterruptedException {
        if (pool == null) {
            try {
                return CompletableFuture.completedFuture(work.get());
            } catch (RuntimeException | Error e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        slots.acquire();
        try {
            return CompletableFuture.supplyAsync(work, pool).whenComplete((r, e) -> slots.release());
        } catch (RuntimeException e) { // rejected: the pool is shut down
            slots.release();
            throw e;
        }
    }

    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("[scoring] encoder workers still busy after 30 s; interrupting them");
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
