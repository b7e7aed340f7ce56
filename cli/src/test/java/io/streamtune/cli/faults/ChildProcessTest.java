package io.streamtune.cli.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChildProcessTest {
    @TempDir
    Path dir;

    @Test
    void shouldFollowALogLineByLineHoldingBackALineStillBeingWritten() throws Exception {
        Path log = dir.resolve("x.log");
        ChildProcess.LogFollower f = new ChildProcess.LogFollower(log);
        assertEquals(List.of(), f.newLines(), "no file yet");
        Files.writeString(log, "one\ntwo\nthr");
        assertEquals(List.of("one", "two"), f.newLines());
        Files.writeString(log, "ee\n", StandardOpenOption.APPEND);
        assertEquals(List.of("three"), f.newLines());
        assertEquals(List.of(), f.newLines());
        assertEquals(List.of("two", "three"), ChildProcess.lastLines(log, 2));
    }

    @Test
    void shouldReadWhenALogLineWasWrittenOnTheDayClosestToNow() {
        ZoneId zone = ZoneId.systemDefault();
        LocalDate day = LocalDate.of(2026, 11, 29);
        long afternoon = day.atTime(15, 41, 30).atZone(zone).toInstant().toEpochMilli();
        long justAfterMidnight = day.plusDays(1)
                .atTime(LocalTime.of(0, 0, 5))
                .atZone(zone)
                .toInstant()
                .toEpochMilli();

        assertEquals(
                OptionalLong.of(afternoon - 4_830),
                ChildProcess.lineTime(
                        "15:41:25.170 INFO ScoringService - [scoring] Kafka Streams CREATED -> REBALANCING",
                        afternoon));
        assertEquals(
                OptionalLong.of(justAfterMidnight - 6_000),
                ChildProcess.lineTime("23:59:59.000 INFO x", justAfterMidnight),
                "written yesterday");
        assertEquals(OptionalLong.empty(), ChildProcess.lineTime("\tat org.apache.kafka.Foo(Foo.java:1)", afternoon));
        // The services' Logback text lines carry the date: no guessing of the day.
        assertEquals(
                OptionalLong.of(afternoon - 4_830),
                ChildProcess.lineTime(
                        "2026-11-29 15:41:25.170 INFO  scoring"
                                + " [main] i.s.scoring.ScoringService {service=scoring} - [scoring] Kafka Streams CREATED -> REBALANCING",
                        justAfterMidnight));
    }
}
