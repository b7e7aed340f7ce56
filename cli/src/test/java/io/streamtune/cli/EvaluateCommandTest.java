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
    void shouldRefuseInt8ForAnEncoderWithoutAnInt8ExportNamingTheOption() throws Exception {
        Path f = dir.resolve("zh.jsonl");
        Files.writeString(f, "{\"text\":\"房间很干净\",\"label\":\"pos\"}\n{\"text\":\"太差了\",\"label\":\"neg\"}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = run(err, "--train", f.toString(), "--encoder", "bge-small-zh-v1.5", "--precision", "int8");
        assertEquals(2, rc);
        String m = err.toString(StandardCharsets.UTF_8);
        assertTrue(m.contains("--precision int8: no int8 export of bge-small-zh-v1.5 ships"), m);
    }

    @Test
    void shouldReportBothPrecisionsWithTheirDifferenceAndAgreement() throws Exception {
        Path trainFile = dir.resolve("train.jsonl");
        Path testFile = dir.resolve("test.jsonl");
        StringBuilder train = new StringBuilder();
        StringBuilder test = new StringBuilder();
        var sentences = BenchCommand.ReviewSentences.english(60, 3);
        for (int i = 0; i < sentences.size(); i++) {
            String s = sentences.get(i);
            String label = s.contains("wonderful") || s.contains("exceeded") || s.contains("friendly") ? "pos" : "neg";
            (i < 40 ? train : test)
                    .append("{\"text\":\"")
                    .append(s)
                    .append("\",\"label\":\"")
                    .append(label)
                    .append("\"}\n");
        }
        Files.writeString(trainFile, train);
        Files.writeString(testFile, test);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = run(
                    new ByteArrayOutputStream(),
                    "--train",
                    trainFile.toString(),
                    "--test",
                    testFile.toString(),
                    "--labels",
                    "neg,pos",
                    "--precision",
                    "both",
                    "--epochs",
                    "3");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc, out.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("all-minilm-l6-v2", json.get("fp32").get("encoder").asText());
        assertEquals("all-minilm-l6-v2-q", json.get("int8").get("encoder").asText());
        assertEquals(
                json.get("int8").get("accuracy").asDouble()
                        - json.get("fp32").get("accuracy").asDouble(),
                json.get("accuracyDifference").asDouble(),
                1e-3);
        double agreement = json.get("agreement").asDouble();
        assertTrue(agreement >= 0 && agreement <= 1, "agreement " + agreement);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("int8 - fp32: accuracy"), "the difference is printed");
    }

    @Test
    void shouldGenerateVariedReviewSentences() {
        var s = BenchCommand.ReviewSentences.english(500, 1);
        assertTrue(new java.util.HashSet<>(s).size() > 300, "distinct " + new java.util.HashSet<>(s).size());
        assertEquals(s, BenchCommand.ReviewSentences.english(500, 1));
    }
}
