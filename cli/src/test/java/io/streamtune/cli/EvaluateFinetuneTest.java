package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluate --finetune}: the trainer's fine-tuning, scored through the served tuned encoder. */
class EvaluateFinetuneTest {

    @TempDir
    Path dir;

    private int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new EvaluateCommand())
                    .setCaseInsensitiveEnumValuesAllowed(true)
                    .execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path file(String name, int n, int offset) throws Exception {
        String[] good = {"great", "lovely", "excellent", "superb"};
        String[] bad = {"awful", "dirty", "terrible", "rude"};
        List<String> lines = new ArrayList<>();
        for (int i = offset; i < offset + n; i++) {
            boolean pos = i % 2 == 0;
            lines.add("{\"text\":\"The stay was " + (pos ? good : bad)[i % 4] + " (" + i + ")\",\"label\":\""
                    + (pos ? "positive" : "negative") + "\"}");
        }
        return Files.write(dir.resolve(name), lines);
    }

    @Test
    void shouldPrintTheReportAndAJsonLineWithTheFineTuningFigures() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = run(
                out,
                err,
                "--train",
                file("train.jsonl", 16, 0).toString(),
                "--test",
                file("test.jsonl", 6, 100).toString(),
                "--finetune",
                "LoRA",
                "--epochs",
                "1",
                "--max-length",
                "16",
                "--batch-size",
                "8",
                "--device",
                "cpu",
                "--labels",
                "negative,positive");
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertTrue(lines[0].contains("fine-tuned (lora)"), lines[0]);
        JsonNode json = Json.mapper().readTree(lines[lines.length - 1]);
        assertEquals("lora", json.get("finetuneMode").asText());
        assertEquals(16, json.get("nTrain").asInt());
        assertEquals(6, json.get("nTest").asInt());
        assertEquals("cpu()", json.get("device").asText());
        assertTrue(json.get("trainSeconds").asDouble() > 0);
        assertTrue(json.get("trainSentencesPerSecond").asDouble() > 0);
        assertTrue(json.get("peakRssMb").asLong() > 100, json.toString());
        assertTrue(json.get("accuracy").asDouble() >= 0 && json.get("accuracy").asDouble() <= 1);
        assertTrue(json.get("weightsBytes").asLong() > 0);
    }

    @Test
    void shouldExitWithTwoOnAnUnknownMode() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = run(out, err, "--train", file("t.jsonl", 4, 0).toString(), "--finetune", "adapters");
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("adapters"), err.toString(StandardCharsets.UTF_8));
    }
}
