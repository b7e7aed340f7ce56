package io.streamtune.cli.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts components as child JVMs ({@link JvmCommand}), each incarnation with its own log file
 * {@code <runDir>/logs/<component>-<n>.log} and without the {@code STREAMTUNE_*} variables of this
 * environment (the run's configuration file says where Kafka is), waits for them to be ready, and
 * makes sure none outlives the run: {@link #close()} stops every child still running (SIGTERM, then
 * SIGKILL), and so does a shutdown hook when the JVM ends early (Ctrl-C, an error).
 *
 * <pre>{@code
 * try (Supervisor s = new Supervisor(runDir, JvmCommand.STREAMTUNE_MAIN)) {
 *     ChildProcess broker = s.launch("broker", List.of("broker", "--data", dir, "--port", "9092"));
 *     s.awaitReady(broker, () -> logSaysReady(broker) ? null : "no ready line yet", Duration.ofSeconds(60),
 *             Duration.ofMillis(100));
 *     broker.kill(Duration.ofSeconds(10));    // SIGKILL
 * }
 * }</pre>
 */
public final class Supervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    /** Lines of a component's log shown when it fails to start. */
    static final int TAIL_LINES = 25;

    /**
     * Whether a component is ready: null when it is, else what it says instead (for the message when it
     * never is); may throw (e.g. its endpoint does not answer yet: not ready).
     */
    @FunctionalInterface
    public interface ReadyCheck {
        String notReadyBecause() throws Exception;
    }

    /** A component did not start: the message names it and quotes the end of its log. */
    public static final class ComponentFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        public ComponentFailedException(String message) {
            super(message);
        }
    }

    private final Path runDir;
    private final String mainClass;
    private final Map<String, Integer> incarnations = new HashMap<>();
    private final List<ChildProcess> children = new ArrayList<>();
    private final Thread hook;
    private volatile boolean closed;

    /**
     * @param runDir    where the {@code logs} directory goes
     * @param mainClass the main class every child runs (the {@code streamtune} command for components)
     */
    public Supervisor(Path runDir, String mainClass) {
        this.runDir = runDir;
        this.mainClass = mainClass;
        this.hook = new Thread(() -> stopAll(Duration.ofSeconds(20)), "bench-faults-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts a new incarnation of {@code component}: {@code java ... mainClass args}.
     *
     * @throws IOException when the process cannot be started
     */
    public synchronized ChildProcess launch(String component, List<String> args) throws IOException {
        if (closed) {
            throw new IllegalStateException("supervisor closed");
        }
        int n = incarnations.merge(component, 1, Integer::sum);
        Path logFile = runDir.resolve("logs").resolve(component + "-" + n + ".log");
        // The run's own configuration file says where Kafka is: a STREAMTUNE_BOOTSTRAP_SERVERS or
        // STREAMTUNE_KAFKA_* of the user's shell would win over it and point the child elsewhere.
        ChildProcess child = ChildProcess.start(
                component + " #" + n, JvmCommand.ofThisJvm(mainClass, args), logFile, k -> k.startsWith("STREAMTUNE_"));
        children.add(child);
        log.debug("[bench-faults] started {}", child);
        return child;
    }

    /**
     * Polls {@code check} every {@code pollEvery} until it says ready (null).
     *
     * @return when it was ready (epoch ms)
     * @throws ComponentFailedException when the process exits first or {@code timeout} passes: the message
     *                                  names the component, says which, and quotes its log's last lines
     */
    public long awaitReady(ChildProcess child, ReadyCheck check, Duration timeout, Duration pollEvery)
            throws ComponentFailedException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try {
                last = check.notReadyBecause();
                if (last == null) {
                    return System.currentTimeMillis();
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e.toString();
            }
            OptionalInt exit = child.exitCode();
            if (exit.isPresent()) {
                throw failed(
                        child,
                        "it exited with code " + exit.getAsInt() + " after "
                                + (System.currentTimeMillis() - child.startedAtMillis()) / 1000 + " s");
            }
            if (System.nanoTime() > deadline) {
                throw failed(
                        child,
                        "not ready within " + timeout.toSeconds() + " s (it still runs; last check: " + last + ")");
            }
            Thread.sleep(pollEvery.toMillis());
        }
    }

    /** The failure of {@code child} to start, with why and the end of its log. */
    public static ComponentFailedException failed(ChildProcess child, String why) {
        StringBuilder m = new StringBuilder(child.name())
                .append(" (pid ")
                .append(child.pid())
                .append(") did not start: ")
                .append(why)
                .append("\nlast lines of ")
                .append(child.logFile())
                .append(':');
        List<String> tail = child.lastLines(TAIL_LINES);
        if (tail.isEmpty()) {
            m.append("\n  (empty)");
        }
        tail.forEach(l -> m.append("\n  | ").append(l));
        return new ComponentFailedException(m.toString());
    }

    /** Children still running, oldest first. */
    public synchronized List<ChildProcess> running() {
        return children.stream().filter(ChildProcess::isAlive).toList();
    }

    /** Stops every child still running, newest first (SIGTERM, SIGKILL after {@code grace}). */
    public void stopAll(Duration grace) {
        List<ChildProcess> alive;
        synchronized (this) {
            alive = new ArrayList<>(
                    children.stream().filter(ChildProcess::isAlive).toList());
        }
        java.util.Collections.reverse(alive);
        for (ChildProcess c : alive) {
            try {
                int code = c.stop(grace);
                log.debug("[bench-faults] {} stopped with exit code {}", c, code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killQuietly(c);
            } catch (RuntimeException e) {
                log.warn("[bench-faults] cannot stop {}: {}", c, e.toString());
            }
        }
    }

    private static void killQuietly(ChildProcess c) {
        try {
            c.kill(Duration.ofSeconds(5));
        } catch (InterruptedException | RuntimeException e) {
            log.warn("[bench-faults] cannot kill {}: {}", c, e.toString());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll(Duration.ofSeconds(30));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (and finds nothing left)
        }
    }
}
