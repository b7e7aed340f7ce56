package io.streamtune.cli.bench;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CpuSharesTest {

    @Test
    void shouldTellTheRolesApartByThreadName() {
        assertEquals(CpuShares.ENCODER_WORKERS, CpuShares.role("scoring-encoder-2"));
        assertEquals(CpuShares.SCORING_PIPELINE, CpuShares.role("bench-scoring-1f2e-StreamThread-1"));
        assertEquals(
                CpuShares.SCORING_PIPELINE,
                CpuShares.role("kafka-producer-network-thread | bench-scoring-1f2e-StreamThread-1-producer"));
        assertEquals(CpuShares.SCORING_PIPELINE, CpuShares.role("bench-scoring-1f2e-GlobalStreamThread"));
        assertEquals(CpuShares.BENCH_CLIENTS, CpuShares.role("kafka-producer-network-thread | producer-3"));
        assertEquals(CpuShares.BENCH_CLIENTS, CpuShares.role("bench-reader"));
        assertEquals(CpuShares.BENCH_CLIENTS, CpuShares.role("main"));
        assertEquals(CpuShares.BROKER, CpuShares.role("data-plane-kafka-request-handler-4"));
        assertEquals(CpuShares.BROKER, CpuShares.role("kafka-1-raft-io-thread"));
        assertEquals(CpuShares.BROKER, CpuShares.role("TxnMarkerSenderThread-1"));
        assertNull(CpuShares.role("C2 CompilerThread0"));
    }

    @Test
    void shouldChargeABusyThreadsCpuToItsRoleAndAddUpToTheCapacity() throws Exception {
        CpuShares.Snapshot before = CpuShares.snapshot();
        long t0 = System.nanoTime();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch spun = new CountDownLatch(1);
        Thread busy = new Thread(
                () -> {
                    // Spins until it has used 200 ms of CPU, says so, then spins on until told to stop (alive when
                    // measured: the time of a thread that ended is not charged to its role).
                    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                    long x = 0;
                    while (!stop.get()) {
                        x += System.nanoTime() % 7;
                        if (spun.getCount() > 0
                                && mx.getThreadCpuTime(Thread.currentThread().getId()) > 200_000_000L) {
                            spun.countDown();
                        }
                    }
                    if (x == 42) {
                        System.out.print("");
                    }
                },
                "scoring-encoder-test");
        busy.start();
        assertTrue(spun.await(10, TimeUnit.SECONDS));
        int cores = Runtime.getRuntime().availableProcessors(); // the JIT and GC threads run beside the busy one
        Map<String, Double> shares = CpuShares.since(before, cores);
        double wallSeconds = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        busy.join();
        // The 200 ms the thread used are charged to the worker role (share x capacity, capacity = cores x the wall
        // time; half of it is the bound, for the tick granularity of another thread's CPU time under load).
        assertTrue(
                shares.get(CpuShares.ENCODER_WORKERS) * wallSeconds * cores > 0.1,
                shares + " over " + wallSeconds + " s");
        double sum = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        // Thread times, /proc ticks (10 ms) and the process time are read a little apart: about 1, not exactly.
        assertTrue(sum > 0.9 && sum < 1.25, "shares add up to the capacity: " + shares);
    }

    @Test
    void shouldReadTheCompilerThreadsCpuOnLinux() {
        assumeTrue(java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task")), "needs Linux /proc");
        // The JIT has compiled the test framework's code by now; the compiler threads are not Java threads.
        assertTrue(CpuShares.jvmThreadsCpuNanos()[0] > 0, "compiler threads' CPU time");
    }
}
