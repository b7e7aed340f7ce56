package io.streamtune.cli.faults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor with a real child JVM (a trivial main class), started as the fault suite starts components. */
class SupervisorTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void shouldKillChildWithSigkillSoThatItsShutdownHookNeverRuns() throws Exception {
        Path marker = dir.resolve("hook-ran");
        try (Supervisor s = new Supervisor(dir, TrivialChild.class.getName())) {
            ChildProcess child = s.launch("trivial", List.of(marker.toString(), "wait"));
            s.awaitReady(child, logSaysReady(child), START, Duration.ofMillis(50));
            assertTrue(child.isAlive());

            int code = child.kill(Duration.ofSeconds(20));

            assertEquals(ChildProcess.SIGKILL_EXIT, code, "128 + 9: ended by SIGKILL");
            assertFalse(child.isAlive());
            assertFalse(Files.exists(marker), "a SIGKILL gives the JVM no chance to run its shutdown hooks");
            assertEquals(dir.resolve("logs").resolve("trivial-1.log"), child.logFile());
        }
    }

    @Test
    @Timeout(120)
    void shouldStopChildWithSigtermSoThatItsShutdownHookRuns() throws Exception {
        Path marker = dir.resolve("hook-ran");
        try (Supervisor s = new Supervisor(dir, TrivialChild.class.getName())) {
            ChildProcess child = s.launch("trivial", List.of(marker.toString(), "wait"));
            s.awaitReady(child, logSaysReady(child), START, Duration.ofMillis(50));

            int code = child.stop(Duration.ofSeconds(30));

            assertEquals(ChildProcess.SIGTERM_EXIT, code, "128 + 15: ended by SIGTERM");
            assertEquals("shutdown hook ran", Files.readString(marker, StandardCharsets.UTF_8));
        }
    }

    @Test
    @Timeout(120)
    void shouldNameTheComponentAndQuoteItsLogWhenItExitsBeforeItIsReady() throws Exception {
        try (Supervisor s = new Supervisor(dir, TrivialChild.class.getName())) {
            ChildProcess child = s.launch("scorer", List.of(dir.resolve("m").toString(), "3"));

            Supervisor.ComponentFailedException e = assertThrows(
                    Supervisor.ComponentFailedException.class,
                    () -> s.awaitReady(child, () -> "not yet", START, Duration.ofMillis(50)));

            assertTrue(
                    e.getMessage()
                            .startsWith("scorer #1 (pid " + child.pid() + ") did not start: it exited with code 3"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("last lines of " + child.logFile()), e.getMessage());
            assertTrue(e.getMessage().contains("| trivial child: giving up with code 3"), e.getMessage());
        }
    }

    @Test
    @Timeout(120)
    void shouldSayAComponentThatRunsButIsNotReadyInTimeIsNotReady() throws Exception {
        try (Supervisor s = new Supervisor(dir, TrivialChild.class.getName())) {
            ChildProcess child = s.launch("broker", List.of(dir.resolve("m").toString(), "wait"));

            Supervisor.ComponentFailedException e = assertThrows(
                    Supervisor.ComponentFailedException.class,
                    () -> s.awaitReady(
                            child,
                            () -> {
                                throw new IllegalStateException("connection refused");
                            },
                            Duration.ofSeconds(2),
                            Duration.ofMillis(50)));

            assertTrue(e.getMessage().contains("broker #1"), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains("not ready within 2 s (it still runs; last check: "
                                    + "java.lang.IllegalStateException: connection refused)"),
                    e.getMessage());
        }
    }

    @Test
    @Timeout(120)
    void shouldLeaveNoChildRunningAfterClose() throws Exception {
        ChildProcess first;
        ChildProcess second;
        try (Supervisor s = new Supervisor(dir, TrivialChild.class.getName())) {
            first = s.launch("trivial", List.of(dir.resolve("a").toString(), "wait"));
            second = s.launch("trivial", List.of(dir.resolve("b").toString(), "wait"));
            assertEquals(2, s.running().size());
            assertEquals("trivial #2", second.name(), "each incarnation is numbered");
        }
        assertFalse(first.isAlive());
        assertFalse(second.isAlive());
    }

    @Test
    void shouldRunChildrenWithThisJvmsOptionsAndClassPathButNoDebugger() {
        List<String> cmd = JvmCommand.of(
                Path.of("/jdk/bin/java"),
                JvmCommand.inheritableOptions(List.of(
                        "-Xmx3g", "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-Dai.djl.offline=true")),
                "a.jar:lib/*",
                JvmCommand.STREAMTUNE_MAIN,
                List.of("broker", "--port", "9092"));

        assertEquals(
                List.of(
                        "/jdk/bin/java",
                        "-Xmx3g",
                        "-Dai.djl.offline=true",
                        "-cp",
                        "a.jar:lib/*",
                        "io.streamtune.cli.StreamtuneCommand",
                        "broker",
                        "--port",
                        "9092"),
                cmd);
    }

    private static Supervisor.ReadyCheck logSaysReady(ChildProcess child) {
        return () -> Files.readString(child.logFile()).contains("trivial child: ready") ? null : "not yet";
    }
}
