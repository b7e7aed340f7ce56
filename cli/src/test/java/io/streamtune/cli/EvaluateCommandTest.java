package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.streamtune.cli.files.JsonlExamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluateCommandTest {

    @TempDir
    Path dir;

    private int run(ByteArrayOutputStream err, String... args) {
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new EvaluateCommand()).execute(args);
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void shouldExitWithTwoNamingTheMissingFile() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = run(err, "--train", dir.resolve("nope.jsonl").toString());
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nope.jsonl"), err.toString());
    }

    @Test
    void shouldExitWithTwoNamingFileAndLineOfABadRecord() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\":\"ok\",\"label\":\"a\"}\n{\"txt\":\"oops\"}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = run(err, "--train", f.toString());
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bad.jsonl:2"), err.toString());
    }

    @Test
    void shouldDefaultLabelsToOrderOfFirstAppearance() throws Exception {
        Path f = dir.resolve("l.jsonl");
        Files.writeString(
                f,
                "{\"text\":\"x\",\"label\":\"pos\"}\n{\"text\":\"y\",\"label\":\"neg\"}\n{\"text\":\"z\",\"label\":\"pos\"}\n");
        assertEquals(java.util.List.of("pos", "neg"), JsonlExamples.labelsInOrder(JsonlExamples.read(f)));
    }

    @Test
    void shouldGenerateVariedReviewSentences() {
        var s = BenchCommand.ReviewSentences.english(500, 1);
        assertTrue(new java.util.HashSet<>(s).size() > 300, "distinct " + new java.util.HashSet<>(s).size());
        assertEquals(s, BenchCommand.ReviewSentences.english(500, 1));
    }
}
