package io.streamtune.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the CPU of this JVM went during a measured phase, by role: the scorer's encoder workers, the rest of
 * the scoring pipeline (stream threads, their exactly-once producers, the global model thread), the embedded
 * Kafka broker, the benchmark's own clients, the JIT compiler's and the garbage collector's threads (the VM
 * thread counted with GC), and the rest (other native threads): the process's CPU time minus all of the above.
 *
 * <pre>{@code
 * CpuShares.Snapshot before = CpuShares.snapshot();
 * ... measured phase ...
 * Map<String, Double> shares = CpuShares.since(before, 2); // {"encoderWorkers": 0.72, ..., "jit": 0.05, ..., "idle": 0.01}
 * }</pre>
 *
 * <p>Shares are of the machine's capacity over the phase (cores x wall time), so they add up to 1 with
 * {@code idle}; a share goes negative only by measurement noise (thread times are sampled a few
 * microseconds apart). Threads are told apart by name: {@code scoring-encoder-*} (the scorer's workers),
 * names with {@code StreamThread} (Kafka Streams; the exactly-once producer's I/O thread carries its stream
 * thread's name), the benchmark's reader, backbone callers, {@code main} and its plain {@code producer-N}, and the
 * broker's (request handlers, network, controller, coordinators, raft, log cleaner ...). Any other thread, and
 * one that ends during the phase, falls into {@code other}.
 */
public final class CpuShares {
    /** Role names, in the order they are reported. */
    public static final String ENCODER_WORKERS = "encoderWorkers";

    public static final String SCORING_PIPELINE = "scoringPipeline";
    public static final String BROKER = "broker";
    public static final String BENCH_CLIENTS = "benchClients";
    public static final String JIT = "jit";
    public static final String GC = "gc";
    public static final String OTHER = "other";
    public static final String IDLE = "idle";

    /** The benchmark's own threads and clients (its producer has a client id Kafka numbered, {@code producer-1}). */
    private static final Pattern BENCH_CLIENT = Pattern.compile(
            "^bench-reader|^bench-backbone|\\| bench-reader|^kafka-producer-network-thread \\| producer-\\d+$");
    /** Threads of the in-JVM KRaft broker (Kafka 4.3 names). */
    private static final Pattern BROKER_THREAD =
            Pattern.compile("data-plane-kafka|kafka-\\d|kafka-log|broker-\\d|controller-"
                    + "|quorum-controller|group-coordinator|share-coordinator|transaction-|TxnMarkerSender|AddPartitionsToTxnSender"
                    + "|ExpirationReaper|PersisterStateManager|persister-|executor-|raft-|ReplicaFetcher|LogDirFailureHandler|client-metrics"
                    + "|SensorExpiry|network-partition");

    private CpuShares() {}

    /**
     * CPU times (ns) of the process, of each live Java thread, and of the JVM's JIT compiler and GC threads (not Java
     * threads: read from {@code /proc/self/task} on Linux, 0 elsewhere), at one moment.
     */
    public record Snapshot(
            long nanoTime, long processCpuNanos, Map<Long, Long> threadCpuNanos, long jitCpuNanos, long gcCpuNanos) {}

    /** The CPU times now. */
    public static Snapshot snapshot() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t >= 0) {
                cpu.put(id, t);
            }
        }
        long[] jvm = jvmThreadsCpuNanos();
        return new Snapshot(System.nanoTime(), processCpuNanos(), cpu, jvm[0], jvm[1]);
    }

    /**
     * The shares of the machine's CPU since {@code before}, by role (the constants above, in that order).
     *
     * @param cores the machine's cores (capacity = cores x the phase's wall time)
     * @return role -> share of capacity (0..1, rounded to 3 places)
     */
    public static Map<String, Double> since(Snapshot before, int cores) {
        Snapshot after = snapshot();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byRole = new LinkedHashMap<>();
        for (String r : new String[] {ENCODER_WORKERS, SCORING_PIPELINE, BROKER, BENCH_CLIENTS}) {
            byRole.put(r, 0L);
        }
        long named = 0;
        for (Map.Entry<Long, Long> e : after.threadCpuNanos().entrySet()) {
            long used = e.getValue() - before.threadCpuNanos().getOrDefault(e.getKey(), 0L);
            ThreadInfo info = threads.getThreadInfo(e.getKey());
            String role = info == null ? null : role(info.getThreadName());
            if (role == null || used <= 0) {
                continue;
            }
            named += used;
            byRole.merge(role, used, Long::sum);
        }
        long process = after.processCpuNanos() - before.processCpuNanos();
        double capacity = (double) cores * (after.nanoTime() - before.nanoTime());
        Map<String, Double> shares = new LinkedHashMap<>();
        byRole.forEach((r, ns) -> shares.put(r, round(ns / capacity)));
        long jit = after.jitCpuNanos() - before.jitCpuNanos();
        long gc = after.gcCpuNanos() - before.gcCpuNanos();
        shares.put(JIT, round(jit / capacity));
        shares.put(GC, round(gc / capacity));
        shares.put(OTHER, round(Math.max(0, process - named - jit - gc) / capacity));
        shares.put(IDLE, round(Math.max(0, capacity - Math.max(process, named)) / capacity));
        return shares;
    }

    /** The role of a thread, by its name; null for none of them (counted in {@link #OTHER}). */
    static String role(String name) {
        if (name.startsWith("scoring-encoder-")) {
            return ENCODER_WORKERS;
        }
        if (name.contains("StreamThread")
                || name.contains("StateUpdater")
                || name.contains("CleanupThread")
                || name.startsWith("scoring-")) {
            return SCORING_PIPELINE;
        }
        if (name.equals("main") || BENCH_CLIENT.matcher(name).find()) {
            return BENCH_CLIENTS;
        }
        if (BROKER_THREAD.matcher(name).lookingAt()) {
            return BROKER;
        }
        return null;
    }

    /** One line for the console, e.g. "encoder workers 72%, scoring pipeline 5%, ...". */
    public static String describe(Map<String, Double> shares) {
        StringBuilder s = new StringBuilder();
        shares.forEach((role, share) -> {
            if (!s.isEmpty()) {
                s.append(", ");
            }
            s.append(role.replaceAll("([A-Z])", " $1").toLowerCase())
                    .append(' ')
                    .append(Math.round(share * 100))
                    .append('%');
        });
        return s.toString();
    }

    /**
     * The share of {@code cores} the JIT compiler's threads took since {@code before}: a benchmark warms up until
     * this is small, so that it measures the steady state. 0 where the compiler threads cannot be read (not Linux).
     */
    public static double jitShareSince(Snapshot before, int cores) {
        double capacity = (double) cores * (System.nanoTime() - before.nanoTime());
        return (jvmThreadsCpuNanos()[0] - before.jitCpuNanos()) / capacity;
    }

    /**
     * CPU time (ns) of the JIT compiler threads ({@code C1/C2 CompilerThread*}) and of the GC threads, summed, from
     * {@code /proc/self/task/<tid>/stat} (utime + stime in clock ticks of 1/100 s, Linux's USER_HZ); {0, 0} where
     * that cannot be read. The JVM's own threads are not Java threads, so ThreadMXBean does not see them, and
     * CompilationMXBean's compilation time is elapsed time, which a busy machine inflates.
     */
    static long[] jvmThreadsCpuNanos() {
        long jit = 0;
        long gc = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String comm;
                String stat;
                try {
                    comm = Files.readString(task.resolve("comm")).trim();
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                boolean compiler = comm.contains("CompilerThre");
                boolean collector = comm.startsWith("GC Thread") || comm.startsWith("VM Thread");
                if (!compiler && !collector) {
                    continue;
                }
                // Fields after the parenthesised name: state, ppid, ... utime is the 14th field, stime the 15th.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long nanos = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
                if (compiler) {
                    jit += nanos;
                } else {
                    gc += nanos;
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
        return new long[] {jit, gc};
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
