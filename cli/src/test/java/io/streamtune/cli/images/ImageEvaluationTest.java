package io.streamtune.cli.images;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.cli.StreamtuneCommand;
import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code streamtune evaluate} on image data, as a user runs it (real decoding and training). */
class ImageEvaluationTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            List<String> lines = out.lines().toList();
            return Json.mapper().readTree(lines.get(lines.size() - 1));
        }
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = StreamtuneCommand.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void shouldTrainOnAnImageFolderAndReportLikeTheTextPathPlusImageFigures() throws Exception {
        ImageFixtures.writeImageFolder(dir.resolve("train"), 60, 1);
        ImageFixtures.writeImageFolder(dir.resolve("test"), 20, 2);
        Files.writeString(dir.resolve("test/vertical/broken.png"), "not a picture");
        Run r = run(
                "evaluate",
                "--train",
                dir.resolve("train").toString(),
                "--test",
                dir.resolve("test").toString(),
                "--image-size",
                "12",
                "--layers",
                "8",
                "--epochs",
                "4",
                "--lr",
                "0.01",
                "--batch-size",
                "16",
                "--device",
                "cpu",
                "--save-model",
                dir.resolve("model").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("confusion (rows = truth, columns = predicted)"), r.out());
        assertTrue(
                r.err().contains("skipped")
                        && r.err().contains("broken.png")
                        && r.err().contains("NOT_AN_IMAGE"),
                r.err());
        JsonNode json = r.json();
        assertEquals(120, json.get("nTrain").asInt());
        assertEquals(40, json.get("nTest").asInt());
        assertEquals("horizontal,vertical", json.get("labels").asText());
        assertEquals(3, json.get("channels").asInt());
        assertTrue(json.get("accuracy").asDouble() >= 0.9, json.toString());
        assertTrue(json.get("trainSeconds").asDouble() > 0, json.toString());
        assertTrue(json.get("imagesPerSecond").asDouble() > 0, json.toString());
        assertTrue(json.get("servingImagesPerSecond").asDouble() > 0, json.toString());
        assertTrue(
                json.get("backboneBytes").asInt()
                        > 4 * json.get("backboneValues").asInt(),
                json.toString());
        assertTrue(Files.isRegularFile(dir.resolve("model/evaluate-0000.params")), r.err());

        // The saved model starts another evaluation as a frozen pretrained backbone.
        Run again = run(
                "evaluate",
                "--train",
                dir.resolve("train").toString(),
                "--test",
                dir.resolve("test").toString(),
                "--image-size",
                "12",
                "--layers",
                "8",
                "--epochs",
                "2",
                "--lr",
                "0.01",
                "--device",
                "cpu",
                "--pretrained",
                dir.resolve("model/evaluate-0000.params").toString(),
                "--freeze-backbone");
        assertEquals(0, again.exit(), again.out() + again.err());
        assertEquals("PRETRAINED", again.json().get("start").asText());
        assertTrue(again.json().get("freezeBackbone").asBoolean());
    }

    @Test
    void shouldTrainOnIdxFilesOverWindowsEachFromThePreviousWeights() throws Exception {
        Path train = ImageFixtures.writeIdx(dir, "train", 160, 1);
        Path test = ImageFixtures.writeIdx(dir, "t10k", 40, 2);
        Run r = run(
                "evaluate",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--layers",
                "8",
                "--epochs",
                "2",
                "--lr",
                "0.01",
                "--batch-size",
                "16",
                "--windows",
                "2",
                "--labels",
                "flat,upright",
                "--device",
                "cpu");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("window 1/2: 80 images, scratch"), r.out());
        assertTrue(r.out().contains("window 2/2: 80 images, champion"), r.out());
        JsonNode json = r.json();
        assertEquals(1, json.get("channels").asInt(), "IDX images are grey");
        assertEquals(12, json.get("imageSize").asInt(), "their own size by default");
        assertEquals("flat,upright", json.get("labels").asText());
        assertEquals(2, json.get("windowAccuracies").size());
    }

    @Test
    void shouldExitWithTwoNamingWhatIsWrong() throws Exception {
        Path train = ImageFixtures.writeIdx(dir, "train", 8, 1);
        Run layers = run("evaluate", "--train", train.toString(), "--layers", "18");
        assertEquals(2, layers.exit());
        assertTrue(layers.err().contains("--layers: ResNetV1 for images of 12 pixels"), layers.err());
        Path onnx = Files.writeString(dir.resolve("resnet.onnx"), "x");
        Run pretrained = run("evaluate", "--train", train.toString(), "--pretrained", onnx.toString());
        assertEquals(2, pretrained.exit());
        assertTrue(pretrained.err().contains("ONNX backbones are not supported"), pretrained.err());
    }
}
