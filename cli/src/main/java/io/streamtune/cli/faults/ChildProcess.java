package io.streamtune.cli.faults;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One incarnation of a component in its own process, its standard output and error in its own log
 * file. {@link #kill} is a crash (SIGKILL on Linux: {@link Process#destroyForcibly()}, which the JDK
 * implements with {@code kill(pid, SIGKILL)}; the exit code is then 128 + 9 = 137 and no shutdown hook
 * runs); {@link #stop} is an operator's stop (SIGTERM, exit code 143 unless the process exits on its
 * own, shutdown hooks run), SIGKILL after a timeout.
 */
public final class ChildProcess {
    /** Exit code the JDK reports for a process ended by SIGKILL (128 + signal 9). */
    public static final int SIGKILL_EXIT = 137;
    /** Exit code the JDK reports for a process ended by SIGTERM (128 + signal 15). */
    public static final int SIGTERM_EXIT = 143;

    private final String name;
    private final Process process;
    private final Path logFile;
    private final long startedAtMillis;

    private ChildProcess(String name, Process process, Path logFile, long startedAtMillis) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.startedAtMillis = startedAtMillis;
    }

    /**
     * Starts {@code command}, standard output and error appended to {@code logFile}, with this process's
     * environment less the variables {@code dropEnv} names.
     *
     * @param name for messages, e.g. {@code scorer #2}
     * @throws IOException when the process cannot be started (no such executable, no log directory)
     */
    public static ChildProcess start(String name, List<String> command, Path logFile, Predicate<String> dropEnv)
            throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().keySet().removeIf(dropEnv);
        long at = System.currentTimeMillis();
        return new ChildProcess(name, pb.start(), logFile, at);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    /** When it was started (epoch ms). */
    public long startedAtMillis() {
        return startedAtMillis;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or empty while it runs. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * SIGKILL, then waits for the process to be gone.
     *
     * @return the exit code ({@link #SIGKILL_EXIT} when the signal ended it)
     * @throws IllegalStateException when it is still there after {@code timeout}
     */
    public int kill(Duration timeout) throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(
                    name + " (pid " + pid() + ") still runs " + timeout.toSeconds() + " s after SIGKILL");
        }
        return process.exitValue();
    }

    /**
     * SIGTERM, waits up to {@code grace}, then SIGKILL.
     *
     * @return the exit code
     */
    public int stop(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        return kill(Duration.ofSeconds(30));
    }

    /** The last {@code n} lines of its log file (empty when there is none yet). */
    public List<String> lastLines(int n) {
        return lastLines(logFile, n);
    }

    /** The last {@code n} lines of a text file, read from its end (logs can be large). */
    static List<String> lastLines(Path file, int n) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - 64L * 1024);
            byte[] tail = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(tail);
            String[] lines = new String(tail, StandardCharsets.UTF_8).split("\r?\n");
            Deque<String> last = new ArrayDeque<>();
            for (int i = lines.length - 1; i >= 0 && last.size() < n; i--) {
                if (i == 0 && from > 0) {
                    break; // a partial first line
                }
                last.addFirst(lines[i]);
            }
            return new ArrayList<>(last);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * When a log line was written (epoch ms, this machine's time zone): from the {@code yyyy-MM-dd HH:mm:ss.SSS} it
     * starts with (the services' Logback text format), or from a bare {@code HH:mm:ss.SSS} taken on the day that puts
     * it closest to {@code nearMillis}; empty for a line without either.
     */
    public static OptionalLong lineTime(String line, long nearMillis) {
        if (line.length() >= 23 && line.charAt(4) == '-' && line.charAt(10) == ' ' && line.charAt(19) == '.') {
            try {
                return OptionalLong.of(
                        java.time.LocalDateTime.parse(line.substring(0, 23).replace(' ', 'T'))
                                .atZone(ZoneId.systemDefault())
                                .toInstant()
                                .toEpochMilli());
            } catch (java.time.format.DateTimeParseException e) {
                return OptionalLong.empty();
            }
        }
        if (line.length() < 12 || line.charAt(2) != ':' || line.charAt(5) != ':' || line.charAt(8) != '.') {
            return OptionalLong.empty();
        }
        try {
            LocalTime t = LocalTime.parse(line.substring(0, 12));
            ZoneId zone = ZoneId.systemDefault();
            LocalDate day = Instant.ofEpochMilli(nearMillis).atZone(zone).toLocalDate();
            long best = Long.MAX_VALUE;
            long at = 0;
            for (LocalDate d : List.of(day.minusDays(1), day, day.plusDays(1))) {
                long ms = d.atTime(t).atZone(zone).toInstant().toEpochMilli();
                if (Math.abs(ms - nearMillis) < best) {
                    best = Math.abs(ms - nearMillis);
                    at = ms;
                }
            }
            return OptionalLong.of(at);
        } catch (java.time.format.DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }

    /** When the first line of its log containing {@code text} was written (epoch ms), or empty. */
    public OptionalLong firstLogged(String text) {
        for (String line : follow().newLines()) {
            if (line.contains(text)) {
                return lineTime(line, System.currentTimeMillis());
            }
        }
        return OptionalLong.empty();
    }

    /** Its log file read forward from where the last call stopped: lines written since (complete lines only). */
    public LogFollower follow() {
        return new LogFollower(logFile);
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ", log " + logFile + ")";
    }

    /** Reads a growing log file line by line, from its beginning. Not thread-safe. */
    public static final class LogFollower {
        private static final int MAX_CHUNK = 8 * 1024 * 1024;
        private final Path file;
        private long position;

        LogFollower(Path file) {
            this.file = file;
        }

        /** Complete lines appended since the last call (a line still being written waits for the next call). */
        public List<String> newLines() {
            if (!Files.isRegularFile(file)) {
                return List.of();
            }
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long length = raf.length();
                if (length <= position) {
                    return List.of();
                }
                byte[] chunk = new byte[(int) Math.min(length - position, MAX_CHUNK)];
                raf.seek(position);
                raf.readFully(chunk);
                int end = chunk.length;
                while (end > 0 && chunk[end - 1] != '\n') {
                    end--;
                }
                if (end == 0 && chunk.length < MAX_CHUNK) {
                    return List.of();
                }
                int used = end == 0 ? chunk.length : end;
                position += used;
                List<String> out = new ArrayList<>();
                for (String line : new String(chunk, 0, used, StandardCharsets.UTF_8).split("\n")) {
                    out.add(line.replace("\r", ""));
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }
}
