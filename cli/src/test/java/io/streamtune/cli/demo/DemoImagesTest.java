package io.streamtune.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.cli.images.ImageFixtures;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Event;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.topic.TaskTopics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's image task: its source, its configuration, and its records as the trainer and the scorer parse them. */
class DemoImagesTest {

    private static StreamtuneConfig config(DemoImages images) throws Exception {
        return StreamtuneConfig.parse("tasks:\n" + images.taskYaml(), Map.of(), Map.of());
    }

    /** Fashion-MNIST's four files in {@code dir}, holding {@code side} x {@code side} generated bars. */
    private static Path fakeFashion(Path dir, int side) throws IOException {
        ImageFixtures.writeIdx(dir, "train", 40, 1, side);
        ImageFixtures.writeIdx(dir, "t10k", 20, 2, side);
        return dir;
    }

    @Test
    void shouldDeclareASmallCnnImageTaskThatTheConfigurationAccepts() throws Exception {
        DemoImages shapes = DemoImages.open(DemoImages.Choice.SHAPES, null, 7);
        TaskConfig task = config(shapes).tasks().get(DemoImages.TASK);
        assertEquals(Modality.IMAGE, task.modality());
        assertEquals(List.of("square", "triangle", "cross"), task.labels());
        assertEquals(28, task.image().spec().size());
        assertEquals(3, task.image().spec().channels());
        assertEquals(8, task.cnn().layers(), "the smallest ResNetV1 the settings allow");
        assertEquals(DemoImages.RETRAIN_EVERY, task.window().retrainEvery());
    }

    @Test
    void shouldSendRecordsThatParseAsTheTasksExamplesAndEventsWithTheirPictures() throws Exception {
        DemoImages images = DemoImages.open(DemoImages.Choice.SHAPES, null, 7);
        RecordParser parser = RecordParser.of(config(images));
        ImagePreprocessor decoder = new ImagePreprocessor(
                config(images).tasks().get(DemoImages.TASK).image().spec(), 1 << 20);
        TaskTopics topics = TaskTopics.of(DemoImages.TASK);
        Set<String> labels = new HashSet<>();
        int examples = 0;
        int events = 0;
        for (int i = 0; i < 200; i++) {
            DemoRun.Feed.Record r = images.next(1_000L + i, 0);
            if (r.kind() == DemoRun.Feed.Kind.EXAMPLE) {
                assertEquals(topics.examples(), r.topic());
                ParseResult<Example> x = parser.parseExample(DemoImages.TASK, r.value());
                assertTrue(x.isOk(), x::toString);
                assertEquals(r.label(), x.value().label());
                assertEquals(
                        28,
                        decoder.decode(ImagePreprocessor.fromBase64(x.value().image()))
                                .getWidth());
                labels.add(x.value().label());
                examples++;
            } else {
                assertEquals(DemoRun.Feed.Kind.EVENT, r.kind());
                assertEquals(topics.events(), r.topic());
                ParseResult<Event> e = parser.parseEvent(DemoImages.TASK, r.value());
                assertTrue(e.isOk(), e::toString);
                assertEquals(r.id(), e.value().id());
                events++;
            }
        }
        assertEquals(Set.of("square", "triangle", "cross"), labels);
        assertTrue(examples > 90 && events > 50, examples + " examples, " + events + " events (60% / 40%)");
    }

    @Test
    void shouldDeadLetterEveryKindOfMalformedImageRecord() throws Exception {
        DemoImages images = DemoImages.open(DemoImages.Choice.SHAPES, null, 7);
        RecordParser parser = RecordParser.of(config(images));
        for (int kind = 0; kind < 4; kind++) {
            ParseResult<Example> x = parser.parseExample(DemoImages.TASK, images.malformed("bad", true, kind));
            assertEquals(
                    kind == 3 ? Reason.UNKNOWN_LABEL : Reason.IMAGE_UNDECODABLE, x.reason(), "example kind " + kind);
        }
        for (int kind = 0; kind < 3; kind++) {
            ParseResult<Event> e = parser.parseEvent(DemoImages.TASK, images.malformed("bad", false, kind));
            assertEquals(Reason.IMAGE_UNDECODABLE, e.reason(), "event kind " + kind);
        }
        // Mixed into the feed at the share asked for, each counted as malformed.
        long malformed = 0;
        for (int i = 0; i < 400; i++) {
            DemoRun.Feed.Record r = images.next(i, 0.25);
            if (r.kind() == DemoRun.Feed.Kind.MALFORMED) {
                malformed++;
                boolean rejected = r.topic().endsWith(".examples")
                        ? !parser.parseExample(DemoImages.TASK, r.value()).isOk()
                        : !parser.parseEvent(DemoImages.TASK, r.value()).isOk();
                assertTrue(rejected, new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertTrue(malformed > 60 && malformed < 140, "about a quarter: " + malformed);
    }

    @Test
    void shouldTakeFashionMnistWhenItsFilesArePresentAndTheShapesOtherwise(@TempDir Path dir) throws Exception {
        Path absent = dir.resolve("absent");
        DemoImages auto = DemoImages.open(DemoImages.Choice.AUTO, absent, 7);
        assertEquals(DemoImages.Source.SHAPES, auto.source());
        assertTrue(auto.describe(false).contains("no Fashion-MNIST at " + absent), auto.describe(false));
        IOException required =
                assertThrows(IOException.class, () -> DemoImages.open(DemoImages.Choice.FASHION, absent, 7));
        assertTrue(required.getMessage().contains(absent.toString()), required.getMessage());
        assertNull(DemoImages.open(DemoImages.Choice.OFF, absent, 7));

        Path fashion = fakeFashion(Files.createDirectories(dir.resolve("fashion")), 28);
        DemoImages found = DemoImages.open(DemoImages.Choice.AUTO, fashion, 7);
        assertEquals(DemoImages.Source.FASHION_MNIST, found.source());
        assertEquals(10, found.labels().size());
        assertTrue(found.describe(false).contains("Fashion-MNIST from " + fashion), found.describe(false));
        TaskConfig task = config(found).tasks().get(DemoImages.TASK);
        assertEquals(1, task.image().spec().channels(), "Fashion-MNIST is grey");
        // Examples from the training file, events from the test file; bars are labelled 0 and 1 there.
        assertTrue(found.picture(true).description().startsWith("train #"));
        DemoImages.Picture event = found.picture(false);
        assertTrue(event.description().startsWith("t10k #"), event.description());
        assertTrue(List.of("t-shirt", "trouser").contains(event.label()), event.label());
        assertEquals(
                DemoImages.Source.SHAPES,
                DemoImages.open(DemoImages.Choice.SHAPES, fashion, 7).source());
    }

    @Test
    void shouldRefuseIdxFilesThatAreNotFashionMnist(@TempDir Path dir) throws Exception {
        Path small = fakeFashion(dir, 12);
        IOException e = assertThrows(IOException.class, () -> DemoImages.open(DemoImages.Choice.AUTO, small, 7));
        assertTrue(e.getMessage().contains("not Fashion-MNIST"), e.getMessage());
    }
}
