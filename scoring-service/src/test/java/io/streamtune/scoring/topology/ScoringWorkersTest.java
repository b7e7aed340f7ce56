package io.streamtune.scoring.topology;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoringWorkersTest {

    @Test
    void shouldRunInlineBatchesOnTheCaller() throws Exception {
        try (ScoringWorkers w = ScoringWorkers.inline()) {
            CompletableFuture<String> f = w.submit(() -> Thread.currentThread().getName());
            assertTrue(f.isDone());
            assertEquals(Thread.currentThread().getName(), f.get());
            CompletableFuture<String> failed = w.submit(() -> {
                throw new IllegalStateException("boom");
            });
            ExecutionException e = assertThrows(ExecutionException.class, failed::get);
            assertEquals("boom", e.getCause().getMessage());
        }
    }

    @Test
    @Timeout(30)
    void shouldMakeTheSubmitterWaitWhileTwoBatchesPerWorkerAreUnfinished() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScoringWorkers w = ScoringWorkers.start(1)) {
            CompletableFuture<String> first =
                    w.submit(() -> await(release, Thread.currentThread().getName()));
            w.submit(() -> await(release, "second"));
            CompletableFuture<CompletableFuture<String>> third = new CompletableFuture<>();
            Thread submitter = new Thread(
                    () -> {
                        try {
                            third.complete(w.submit(() -> "third"));
                        } catch (InterruptedException e) {
                            third.completeExceptionally(e);
                        }
                    },
                    "third-submitter");
            submitter.start();
            // Positive evidence that it waits: the submitting thread is parked in submit (on the worker slots).
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (submitter.getState() != Thread.State.WAITING && System.nanoTime() < waitUntil) {
                Thread.sleep(1);
            }
            assertEquals(
                    Thread.State.WAITING,
                    submitter.getState(),
                    "a third batch waits while one worker has two unfinished");
            assertFalse(third.isDone());
            assertEquals(2, w.pending());
            release.countDown();
            assertEquals("third", third.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (w.pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, w.pending(), "finished batches free their slots");
            assertTrue(first.get().startsWith("scoring-encoder-"), "batches run on the worker threads");
        }
    }

    private static String await(CountDownLatch latch, String value) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return value;
    }
}
