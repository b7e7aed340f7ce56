package io.streamtune.common.image;

import java.awt.image.BufferedImage;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratedShapesTest {

    private static int[] rgb(BufferedImage im) {
        return im.getRGB(0, 0, im.getWidth(), im.getHeight(), null, 0, im.getWidth());
    }

    /** Pixels of the bright foreground colour (brightness 0.7 to 1) rather than the dark background (0.15 to 0.4). */
    private static int foreground(BufferedImage im) {
        int count = 0;
        for (int p : rgb(im)) {
            int max = Math.max((p >> 16) & 0xff, Math.max((p >> 8) & 0xff, p & 0xff));
            count += max >= 0.55 * 255 ? 1 : 0;
        }
        return count;
    }

    @Test
    void shouldDrawTheSamePicturesForTheSameSeed() {
        Random a = new Random(5);
        Random b = new Random(5);
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(rgb(GeneratedShapes.draw(i % 3, 28, a)), rgb(GeneratedShapes.draw(i % 3, 28, b)));
        }
        assertFalse(java.util.Arrays.equals(
                rgb(GeneratedShapes.draw(0, 28, new Random(5))), rgb(GeneratedShapes.draw(0, 28, new Random(6)))));
    }

    @Test
    void shouldDrawOnTheCanvasAskedForAsAPngThatRecordsDecode() throws Exception {
        BufferedImage im = GeneratedShapes.draw(1, 28, new Random(1));
        assertEquals(28, im.getWidth());
        assertEquals(28, im.getHeight());
        BufferedImage back = ImagePreprocessor.decode(GeneratedShapes.png(im), ImagePreprocessor.DEFAULT_MAX_PIXELS);
        assertArrayEquals(rgb(im), rgb(back), "PNG is lossless");
        assertEquals(
                GeneratedShapes.CANVAS, GeneratedShapes.draw(2, new Random(1)).getWidth());
    }

    @Test
    void shouldFillAboutTwiceTheAreaWithASquareAsWithATriangleOrACross() {
        Random r = new Random(9);
        double[] mean = new double[3];
        for (int i = 0; i < 300; i++) {
            mean[i % 3] += foreground(GeneratedShapes.draw(i % 3, 28, r)) / 100.0;
        }
        // A square of side s covers s^2, a triangle s^2 / 2, a cross of stroke s / 4 about s^2 / 2.
        assertTrue(mean[0] > 1.5 * mean[1] && mean[0] > 1.5 * mean[2], java.util.Arrays.toString(mean));
        assertTrue(mean[1] > 40 && mean[2] > 40, "every shape is drawn: " + java.util.Arrays.toString(mean));
    }

    @Test
    void shouldRefuseAnUnknownShapeOrACanvasTooSmallForOne() {
        Random r = new Random(1);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> GeneratedShapes.draw(3, r));
        assertTrue(shape.getMessage().contains("0 to 2"), shape.getMessage());
        IllegalArgumentException canvas =
                assertThrows(IllegalArgumentException.class, () -> GeneratedShapes.draw(0, 15, r));
        assertTrue(canvas.getMessage().contains("at least 16"), canvas.getMessage());
    }
}
