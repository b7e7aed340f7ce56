package io.streamtune.common.model;

import java.nio.file.Files;
import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.SequentialBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.image.ImageSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CnnParametersFileTest {

    private static final TensorPack PACK = TestCnns.randomPack(TestCnns.SMALL, 4);
    private static final HeadWeights HEAD = TestModels.randomHead("linear", 64, 0, 3, 5);

    @TempDir
    Path dir;

    @Test
    void shouldWriteAWholeResNetWithDjlsModelSaveAndReadTheBackboneBack() throws Exception {
        Path file = CnnParametersFile.save(PACK, HEAD, dir, "shapes");
        assertEquals(dir.resolve("shapes-0000.params"), file);
        assertEquals("DJL@", new String(Files.readAllBytes(file), 0, 4, "US-ASCII"));
        TensorPack back = CnnParametersFile.load(file, TestCnns.SMALL);
        assertEquals(PACK.tensors().keySet(), back.tensors().keySet());
        for (String name : PACK.tensors().keySet()) {
            assertArrayEquals(PACK.tensor(name).values(), back.tensor(name).values(), name);
        }
        assertEquals(PACK.sha256(), back.sha256(), "same canonical bytes, attributes included");
        // DJL itself loads the file into the model-zoo block.
        try (Model model = Model.newInstance("shapes", Device.cpu(), "PyTorch")) {
            model.setBlock(TestCnns.SMALL.classifier(3));
            model.load(dir, "shapes");
            assertEquals("resnet-v1", model.getProperty("architecture"));
        }
    }

    @Test
    void shouldReadAFileOfTheBackboneAloneWithoutStreamtunesProperties() throws Exception {
        try (Model model = Model.newInstance("plain", Device.cpu(), "PyTorch")) {
            SequentialBlock backbone = TestCnns.SMALL.backbone();
            model.setBlock(backbone);
            backbone.initialize(model.getNDManager(), DataType.FLOAT32, TestCnns.SMALL.inputShape(1));
            CnnWeights.load(backbone, PACK);
            model.save(dir, "plain");
        }
        TensorPack back = CnnParametersFile.load(dir.resolve("plain-0000.params"), TestCnns.SMALL);
        assertEquals(PACK.sha256(), back.sha256());
    }

    @Test
    void shouldRefuseAFileOfAnotherArchitectureNamingTheMismatch() throws Exception {
        Path file = CnnParametersFile.save(PACK, HEAD, dir, "shapes");
        ArtifactException depth = assertThrows(
                ArtifactException.class,
                () -> CnnParametersFile.load(file, new CnnArchitecture(14, TestCnns.SMALL.input())));
        assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, depth.reason());
        ArtifactException channels = assertThrows(
                ArtifactException.class,
                () -> CnnParametersFile.load(file, new CnnArchitecture(8, ImageSpec.of(16, 3))));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, channels.reason());
        assertTrue(channels.getMessage().contains("1x16x16"), channels.getMessage());
    }

    @Test
    void shouldRefuseAFileWithoutPropertiesWhoseShapesDoNotFit() throws Exception {
        // A user's file carries no architecture properties: the parameter shapes decide.
        try (Model model = Model.newInstance("colour", Device.cpu(), "PyTorch")) {
            CnnArchitecture colour = new CnnArchitecture(8, ImageSpec.of(16, 3));
            SequentialBlock backbone = colour.backbone();
            model.setBlock(backbone);
            backbone.initialize(model.getNDManager(), DataType.FLOAT32, colour.inputShape(1));
            model.save(dir, "colour");
        }
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> CnnParametersFile.load(dir.resolve("colour-0000.params"), TestCnns.SMALL));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("01Conv2d_weight has shape (16, 3, 3, 3)"), e.getMessage());
    }

    @Test
    void shouldRefuseBytesThatAreNotADjlParametersFile() throws Exception {
        Path file = Files.write(dir.resolve("x-0000.params"), "PK\u0003\u0004 a zip".getBytes());
        ArtifactException e = assertThrows(ArtifactException.class, () -> CnnParametersFile.load(file, TestCnns.SMALL));
        assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("not a DJL parameters file"), e.getMessage());
    }
}
