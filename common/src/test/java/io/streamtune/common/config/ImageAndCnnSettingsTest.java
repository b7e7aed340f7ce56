package io.streamtune.common.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.image.ImageSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageAndCnnSettingsTest {

    private static final String WHERE = "tasks[0] (fashion)";

    @TempDir
    Path dir;

    private static JsonNode yaml(String text) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldApplyTheDefaults() {
        List<String> problems = new ArrayList<>();
        ImagePolicy image = ImageSettings.read(yaml("name: fashion"), WHERE, problems);
        CnnPolicy cnn = CnnSettings.read(yaml("name: fashion"), WHERE, problems);
        assertEquals(List.of(), problems);
        assertEquals(new ImageSpec(28, 3, new float[] {0.5f}, new float[] {0.5f}), image.spec());
        assertEquals(4096L * 4096L, image.maxPixels());
        assertEquals(new CnnPolicy(20, 3, 64, 0.002, false, null, 42, Device.AUTO), cnn);
    }

    @Test
    void shouldReadPerChannelNormalisationAndEveryCnnSetting() throws IOException {
        Path params = Files.write(dir.resolve("resnet-0000.params"), new byte[] {'D', 'J', 'L', '@', 0, 0, 0, 1});
        List<String> problems = new ArrayList<>();
        JsonNode task = yaml("""
                image: {size: 64, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
                        maxPixels: 1000000}
                cnn: {layers: 18, epochs: 5, batchSize: 32, learningRate: 0.001, freezeBackbone: true, seed: 7,
                      device: cpu, pretrained: %s}
                """.formatted(params));
        ImagePolicy image = ImageSettings.read(task, WHERE, problems);
        CnnPolicy cnn = CnnSettings.read(task, WHERE, problems);
        assertEquals(List.of(), problems);
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, image.spec().mean());
        assertEquals(1_000_000L, image.maxPixels());
        assertEquals(new CnnPolicy(18, 5, 32, 0.001, true, params, 7, Device.CPU), cnn);
    }

    @Test
    void shouldNameTheKeyOfEachWrongImageSetting() {
        List<String> problems = new ArrayList<>();
        ImageSettings.read(yaml("image: {size: 4, channels: 2, mean: [0.1, 0.2], std: [0]}"), WHERE, problems);
        String all = String.join("\n", problems);
        assertTrue(all.contains("tasks[0] (fashion).image.size: 4 is out of range"), all);
        assertTrue(all.contains("tasks[0] (fashion).image.channels: 2 is not a channel count"), all);
        assertTrue(all.contains("tasks[0] (fashion).image.mean: [0.1, 0.2] has 2 values"), all);
        assertTrue(all.contains("tasks[0] (fashion).image.std: [0] is out of range"), all);
        assertEquals(4, problems.size(), all);
    }

    @Test
    void shouldRefuseADepthTheBuilderCannotMakeForTheImageSize() {
        List<String> problems = new ArrayList<>();
        CnnSettings.read(yaml("image: {size: 28}\ncnn: {layers: 18}"), WHERE, problems);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(
                problems.get(0).startsWith("tasks[0] (fashion).cnn.layers: ResNetV1 for images of 28 pixels"),
                problems.get(0));
        assertTrue(problems.get(0).contains("(image.size is 28)"), problems.get(0));
        problems.clear();
        CnnSettings.read(yaml("image: {size: 64}\ncnn: {layers: 20}"), WHERE, problems);
        assertTrue(problems.get(0).contains("takes 18, 34, 50"), problems.get(0));
        problems.clear();
        CnnSettings.read(yaml("image: {size: 64}\ncnn: {layers: 34, device: tpu}"), WHERE, problems);
        assertTrue(problems.get(0).startsWith("tasks[0] (fashion).cnn.device"), problems.toString());
    }

    @Test
    void shouldRefuseTorchScriptAndOnnxBackbonesAtConfigurationTime() throws IOException {
        Path torchScript = Files.write(dir.resolve("resnet18.pt"), new byte[] {'P', 'K', 3, 4, 0, 0});
        Path onnx = Files.write(dir.resolve("resnet18.onnx"), new byte[] {8, 7, 18, 7});
        List<String> problems = new ArrayList<>();
        CnnSettings.read(yaml("cnn: {pretrained: " + torchScript + "}"), WHERE, problems);
        CnnSettings.read(yaml("cnn: {pretrained: " + onnx + "}"), WHERE, problems);
        CnnSettings.read(yaml("cnn: {pretrained: " + dir.resolve("absent-0000.params") + "}"), WHERE, problems);
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(
                problems.get(0).startsWith("tasks[0] (fashion).cnn.pretrained: " + torchScript + " is a TorchScript"),
                problems.get(0));
        assertTrue(problems.get(1).contains("is an ONNX export; ONNX backbones are not supported"), problems.get(1));
        assertTrue(problems.get(2).contains("does not exist"), problems.get(2));
        assertNull(CnnSettings.pretrainedProblem(Files.write(dir.resolve("ok-0000.params"), "DJL@".getBytes())));
        assertFalse(CnnSettings.pretrainedProblem(Files.write(dir.resolve("x-0000.params"), "junk".getBytes()))
                .isEmpty());
    }
}
