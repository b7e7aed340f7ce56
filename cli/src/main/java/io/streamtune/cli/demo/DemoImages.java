package io.streamtune.cli.demo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.streamtune.cli.images.IdxImages;
import io.streamtune.common.image.GeneratedShapes;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;

/**
 * The demo's image task, {@value #TASK}: where its pictures come from, its block of the demo's configuration, and the
 * records the feed sends for it (labelled examples, events, and a few malformed records for the dead-letter topic).
 *
 * <p>Two sources, one task name:
 * <ul>
 *   <li>{@link Source#FASHION_MNIST}: the IDX files of Fashion-MNIST (Xiao et al., 2017) read by path, examples drawn
 *       from the 60,000 training images and events from the 10,000 test images, 28 x 28 grey, ten labels;</li>
 *   <li>{@link Source#SHAPES}: {@link GeneratedShapes} drawn by the demo on a 28 x 28 colour canvas, three labels.</li>
 * </ul>
 * {@link Choice#AUTO} takes Fashion-MNIST when both image files are where {@code --fashion-mnist} says (by default
 * {@code ../shared/data/fashion_mnist}, the evaluation data beside a checkout) and the shapes otherwise.
 *
 * <p>Both train the smallest ResNetV1 the image settings allow ({@code cnn.layers: 8}) for {@value #EPOCHS} epochs on
 * the newest {@value #WINDOW} examples every {@value #RETRAIN_EVERY} new ones, on the trainer's loop thread between two
 * text retrains. Measured on 2 cores at load 12 to 20 (28 x 28 shapes, batch 16): 300 images x 4 epochs train in 2 to
 * 4 s, so a full window here takes about 1.5 times that.
 *
 * <pre>{@code
 * DemoImages images = DemoImages.open(DemoImages.Choice.AUTO, Path.of("../shared/data/fashion_mnist"), 7);
 * out.println(images.describe(false));   // which source, how many images, the model
 * DemoRun.Feed.Record r = images.next(System.currentTimeMillis(), 0.02);
 * }</pre>
 */
public final class DemoImages {
    /** The image task's name, whatever the source. */
    static final String TASK = "images";
    /** Side of the pictures and of the CNN input, in pixels (Fashion-MNIST's own). */
    static final int SIZE = 28;
    /** Most examples an image version trains on (the newest). */
    static final int WINDOW = 320;
    /** New image examples that trigger a retrain. */
    static final int RETRAIN_EVERY = 80;
    /** Passes over the window per version. */
    static final int EPOCHS = 6;
    /** Fashion-MNIST's files in its directory (the names of its distribution). */
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";

    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    /** Fashion-MNIST's labels in index order, as its README names them (shortened to one word). */
    static final List<String> FASHION_LABELS =
            List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot");

    /** What {@code streamtune demo --images} asks for. */
    public enum Choice {
        /** Fashion-MNIST when its files are present, else the generated shapes. */
        AUTO,
        /** The generated shapes. */
        SHAPES,
        /** Fashion-MNIST; the demo refuses to start when its files are absent. */
        FASHION,
        /** No image task (the text tasks only, as before the image task existed). */
        OFF
    }

    /** Where the image task's pictures come from. */
    enum Source {
        SHAPES("generated shapes", "shapes"),
        FASHION_MNIST("Fashion-MNIST", "fashion-mnist");

        private final String title;
        private final String wire;

        Source(String title, String wire) {
            this.title = title;
            this.wire = wire;
        }

        /** As the report names it. */
        String wire() {
            return wire;
        }
    }

    /**
     * The image task's holdout macro-F1 floors: above chance (about 1/3 for three shapes, 1/10 for ten clothes), below
     * what a first version on {@value #RETRAIN_EVERY} examples usually reaches (Fashion-MNIST: 0.08 and 0.20 for a
     * first attempt on 60 and 80 examples in two demo runs, 0.61 on 164; shapes: 0.43 to 0.53 accuracy on 60). A
     * version under the floor is not published; the next window tries again.
     */
    private static final double SHAPES_FLOOR = 0.4;

    private static final double FASHION_FLOOR = 0.2;

    private final Source source;
    private final List<String> labels;
    private final IdxImages train;
    private final IdxImages test;
    private final Path dir;
    private final Random random;
    private long n;

    private DemoImages(Source source, List<String> labels, IdxImages train, IdxImages test, Path dir, long seed) {
        this.source = source;
        this.labels = labels;
        this.train = train;
        this.test = test;
        this.dir = dir;
        // Its own random source: the text feed's sequence for a seed is the same with or without images.
        this.random = new Random(seed + 3);
    }

    /**
     * The image task for {@code choice}, or null for {@link Choice#OFF}.
     *
     * @param fashionDir where Fashion-MNIST's IDX files are looked for
     * @throws IOException for {@link Choice#FASHION} without the files, or files that are not Fashion-MNIST (the
     *                     message names the file)
     */
    public static DemoImages open(Choice choice, Path fashionDir, long seed) throws IOException {
        if (choice == Choice.OFF) {
            return null;
        }
        boolean present = fashionPresent(fashionDir);
        if (choice == Choice.FASHION && !present) {
            throw new IOException("--images fashion: no Fashion-MNIST at " + fashionDir + " (expected " + TRAIN_IMAGES
                    + " and " + TEST_IMAGES + " with their label files; --fashion-mnist DIR says where)");
        }
        if (choice == Choice.SHAPES || !present) {
            return new DemoImages(Source.SHAPES, GeneratedShapes.LABELS, null, null, fashionDir, seed);
        }
        IdxImages train = fashion(fashionDir.resolve(TRAIN_IMAGES));
        IdxImages test = fashion(fashionDir.resolve(TEST_IMAGES));
        return new DemoImages(Source.FASHION_MNIST, FASHION_LABELS, train, test, fashionDir, seed);
    }

    /** Whether both Fashion-MNIST image files are in {@code dir} (their label files are checked when read). */
    static boolean fashionPresent(Path dir) {
        return dir != null
                && Files.isRegularFile(dir.resolve(TRAIN_IMAGES))
                && Files.isRegularFile(dir.resolve(TEST_IMAGES));
    }

    private static IdxImages fashion(Path file) throws IOException {
        IdxImages idx = IdxImages.read(file);
        if (idx.rows() != SIZE || idx.cols() != SIZE || idx.labelCount() > FASHION_LABELS.size() || idx.size() == 0) {
            throw new IOException(file + " holds " + idx.size() + " images of " + idx.rows() + " x " + idx.cols()
                    + " with " + idx.labelCount() + " labels: not Fashion-MNIST (28 x 28, 10 labels)");
        }
        return idx;
    }

    Source source() {
        return source;
    }

    List<String> labels() {
        return labels;
    }

    /** The line the demo prints at start: the source, what it holds, and the model trained on it. */
    String describe(boolean chosen) {
        String model = String.format(
                Locale.ROOT,
                "a ResNetV1-8 on %dx%d %s, %d epochs over the newest %d examples every %d new ones",
                SIZE,
                SIZE,
                source == Source.SHAPES ? "colour" : "grey",
                EPOCHS,
                WINDOW,
                RETRAIN_EVERY);
        if (source == Source.FASHION_MNIST) {
            return String.format(
                    Locale.ROOT,
                    "** image task '%s': %s from %s (examples from its %d training images, events from its %d test"
                            + " images; %d labels); %s",
                    TASK,
                    source.title,
                    dir,
                    train.size(),
                    test.size(),
                    labels.size(),
                    model);
        }
        return String.format(
                Locale.ROOT,
                "** image task '%s': %s drawn by the demo (%s)%s; %s",
                TASK,
                source.title,
                String.join(", ", labels),
                chosen ? "" : ", no Fashion-MNIST at " + dir + " (--fashion-mnist DIR)",
                model);
    }

    /**
     * The task's entry under {@code tasks:} of the demo's configuration (YAML, indented as a list item). The CNN is
     * the smallest the settings allow; the window is small so that a version trains in seconds.
     */
    String taskYaml() {
        boolean fashion = source == Source.FASHION_MNIST;
        return "  - name: " + TASK + "\n"
                + "    modality: image\n"
                + "    labels: [" + String.join(", ", labels) + "]\n"
                + (fashion
                        ? "    image: {size: " + SIZE + ", channels: 1, mean: [0.286], std: [0.353]}\n"
                        : "    image: {size: " + SIZE + ", channels: 3}\n")
                + "    cnn: {layers: 8, epochs: " + EPOCHS + ", batchSize: 16, learningRate: 0.005, seed: 7}\n"
                + "    window: {retrainEvery: " + RETRAIN_EVERY + ", maxWait: 30s, minNew: 30, size: " + WINDOW
                + ", holdoutPercent: 20}\n"
                + "    gate: {tolerance: 0.05, floor: " + (fashion ? FASHION_FLOOR : SHAPES_FLOOR) + "}\n";
    }

    /** One labelled picture: a PNG file's bytes, its label, and how the demo names it on screen. */
    record Picture(byte[] png, String label, String description) {}

    /** A picture for an example ({@code example}: Fashion-MNIST's training images) or an event (its test images). */
    Picture picture(boolean example) {
        if (source == Source.SHAPES) {
            int shape = random.nextInt(labels.size());
            BufferedImage im = GeneratedShapes.draw(shape, SIZE, random);
            return new Picture(GeneratedShapes.png(im), labels.get(shape), "generated " + SIZE + "x" + SIZE);
        }
        IdxImages set = example ? train : test;
        int i = random.nextInt(set.size());
        return new Picture(
                GeneratedShapes.png(set.image(i)),
                labels.get(set.labels()[i]),
                (example ? "train" : "t10k") + " #" + i);
    }

    /**
     * The image task's next record, stamped {@code ts} (epoch ms): 60% examples and 40% events, as the text tasks, and
     * a {@code malformedShare} of records that must end in the dead-letter topic.
     */
    DemoRun.Feed.Record next(long ts, double malformedShare) {
        n++;
        TaskTopics topics = TaskTopics.of(TASK);
        double roll = random.nextDouble();
        if (roll < malformedShare) {
            String id = TASK + "-bad-" + n;
            boolean toExamples = random.nextBoolean();
            return new DemoRun.Feed.Record(
                    toExamples ? topics.examples() : topics.events(),
                    null,
                    malformed(id, toExamples, random.nextInt(toExamples ? 4 : 3)),
                    DemoRun.Feed.Kind.MALFORMED,
                    id,
                    null,
                    null,
                    null,
                    false);
        }
        boolean example = roll < malformedShare + 0.6 * (1 - malformedShare);
        Picture p = picture(example);
        String id = TASK + (example ? "-x-" : "-e-") + n;
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("id", id).put("image", Base64.getEncoder().encodeToString(p.png()));
        if (example) {
            json.put("label", p.label());
        }
        json.put("ts", ts);
        json.putObject("attrs").put("source", "demo");
        return new DemoRun.Feed.Record(
                example ? topics.examples() : topics.events(),
                id.getBytes(StandardCharsets.UTF_8),
                Json.write(json),
                example ? DemoRun.Feed.Kind.EXAMPLE : DemoRun.Feed.Kind.EVENT,
                id,
                p.description(),
                p.label(),
                null,
                false);
    }

    /**
     * An image record that must be dead-lettered, in one of the ways real producers get it wrong: text where a picture
     * should be (0), a PNG cut short (1), an image field that is not base64 (2), and for an example a label outside
     * the task (3; an event's label is ignored, so not for events).
     */
    byte[] malformed(String id, boolean example, int kind) {
        byte[] png = picture(example).png();
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("id", id);
        switch (kind) {
            case 0 ->
                json.put(
                        "image",
                        Base64.getEncoder()
                                .encodeToString("a caption, not a picture".getBytes(StandardCharsets.UTF_8)));
            case 1 -> json.put("image", Base64.getEncoder().encodeToString(Arrays.copyOf(png, png.length / 2)));
            case 2 -> json.put("image", "%%% not base64 %%%");
            default -> json.put("image", Base64.getEncoder().encodeToString(png));
        }
        if (example) {
            json.put("label", kind == 3 ? "maybe" : labels.get(0));
        }
        return Json.write(json);
    }
}
