package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench scoring} with other kinds of model in service, tiny (one-second phases, one swap), each on the
 * command's own embedded broker: a LoRA-tuned encoder beside the head-only model in the same run (issue 11), and an
 * image task on the CNN backbone (issue 12). The last line must name a ratio per kind, and the swaps under load must
 * lose and duplicate nothing.
 */
class BenchScoringModesIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldMeasureTheLoraTunedEncoderBesideTheHeadOnlyModelInOneRunWithoutLossOrDuplicates() throws Exception {
        JsonNode line = bench("--finetune", "lora", "--train-examples", "16");

        assertEquals("text", line.get("modality").asText(), line::toString);
        assertEquals("head", line.get("ratioKind").asText(), "the historical ratio stays the head-only one: " + line);
        JsonNode ratios = line.get("ratios");
        assertEquals(List.of("head", "lora"), fieldNames(ratios), line::toString);
        assertPositive(ratios.get("head"), line);
        assertPositive(ratios.get("lora"), line);
        assertEquals(line.get("ratio").asDouble(), ratios.get("head").asDouble(), 1e-9, line::toString);
        JsonNode lora = line.get("kinds").get(1);
        assertEquals("lora", lora.get("kind").asText(), line::toString);
        assertEquals("lora", lora.get("weights").asText(), "the version lays LoRA weights over the encoder: " + line);
        assertTrue(lora.get("weightsInline").asBoolean(), "LoRA weights travel in the record: " + line);
        assertPositive(lora.get("alonePerSecond"), line);
        // Where the cores went while end to end: the encoder workers did the scoring, the broker served it.
        assertPositive(lora.get("cpuShares").get("encoderWorkers"), line);
        assertPositive(lora.get("cpuShares").get("broker"), line);
        assertEquals(List.of("head", "lora"), texts(line.get("swapKinds")), line::toString);
        assertSwapsWithoutLossOrDuplicates(line);
        assertLatencySplit(line);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldMeasureAnImageTaskAgainstItsCnnBackboneAloneWithoutLossOrDuplicates() throws Exception {
        // The default CNN (ResNetV1-20 on 28 x 28 images): its record (1.4 MB) is over a producer's default 1 MiB.
        JsonNode line = bench("--modality", "image", "--train-examples", "32");

        assertEquals("image", line.get("modality").asText(), line::toString);
        assertEquals("cnn", line.get("ratioKind").asText(), line::toString);
        assertEquals(List.of("cnn"), fieldNames(line.get("ratios")), line::toString);
        assertPositive(line.get("ratios").get("cnn"), line);
        JsonNode cnn = line.get("kinds").get(0);
        assertEquals("resnet-v1-20", cnn.get("backbone").asText(), line::toString);
        assertEquals("cnn", cnn.get("weights").asText(), line::toString);
        assertPositive(cnn.get("alonePerSecond"), line);
        assertPositive(cnn.get("aloneWarmPerSecond"), line);
        // The end-to-end model calls' mean size, beside the alone phase's full batches.
        assertPositive(cnn.get("meanBatch"), line);
        assertTrue(cnn.get("meanBatch").asDouble() <= 32, line::toString);
        assertEquals(28, line.get("imageSize").asInt(), line::toString);
        assertTrue(cnn.get("weightsBytes").asLong() > 1 << 20, "weights over 1 MiB travel inline: " + line);
        assertTrue(line.get("meanImageBytes").asLong() > 0, line::toString);
        assertSwapsWithoutLossOrDuplicates(line);
        assertLatencySplit(line);
    }

    private static void assertSwapsWithoutLossOrDuplicates(JsonNode line) {
        assertEquals(1, line.get("swaps").asInt(), "the one version published under load was swapped in: " + line);
        assertTrue(line.get("swapEvents").asInt() > 0, line::toString);
        assertEquals(0, line.get("lost").asInt(), line::toString);
        assertEquals(0, line.get("duplicates").asInt(), line::toString);
        assertEquals(0, line.get("versionsBackwards").asInt(), line::toString);
    }

    /** The scorer's share of the mean latency (up to its forward) is part of what the reader saw, not all of it. */
    private static void assertLatencySplit(JsonNode line) {
        assertPositive(line.get("scorerMeanMs"), line);
        assertTrue(line.get("scorerMeanMs").asDouble() <= line.get("meanMs").asDouble(), line::toString);
    }

    private static void assertPositive(JsonNode value, JsonNode line) {
        assertTrue(value != null && value.isNumber() && value.asDouble() > 0, () -> "a positive figure in " + line);
    }

    /** Runs {@code bench scoring} tiny and returns its last stdout line, parsed. */
    private static JsonNode bench(String... mode) throws Exception {
        List<String> args = new ArrayList<>(
                List.of("bench", "scoring", "--seconds", "1", "--swaps", "1", "--partitions", "1", "--workers", "1"));
        args.addAll(List.of(mode));
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = StreamtuneCommand.run(args.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        out.print(text);
        assertEquals(0, code, text);
        String[] lines = text.strip().split("\n");
        assertFalse(lines.length == 0, "no output");
        return Json.mapper().readTree(lines[lines.length - 1]);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
