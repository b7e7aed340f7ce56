package io.streamtune.common.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Labelled pictures drawn by the project itself, for image tasks that need data without a data set:
 * three shapes ({@link #LABELS}: a filled square, a filled triangle, a cross) of random size, position
 * and colour on a random dark background, with a few pixels of noise. A small ResNet learns them to
 * over 0.95 on held-out pictures in a few hundred examples (the trainer's tests), so the demo's image
 * task and those tests use the same pictures.
 *
 * <pre>{@code
 * Random r = new Random(7);
 * BufferedImage im = GeneratedShapes.draw(1, 28, r);     // a triangle, 28 x 28 RGB
 * byte[] file = GeneratedShapes.png(im);                  // what an image record carries (base64)
 * }</pre>
 *
 * <p>The same seed gives the same pictures: one {@link Random} draws the colours, the size (10 to 18
 * pixels on the 24-pixel {@link #CANVAS}, scaled with a larger canvas), the position and the noise.
 */
public final class GeneratedShapes {
    /** The label of shape {@code i} is {@code LABELS.get(i)}. */
    public static final List<String> LABELS = List.of("square", "triangle", "cross");
    /** Side in pixels of the default canvas. */
    public static final int CANVAS = 24;
    /** Smallest canvas a shape and its margin fit on. */
    public static final int MIN_CANVAS = 16;

    private GeneratedShapes() {}

    /** Shape {@code shape} (an index into {@link #LABELS}) on a {@link #CANVAS} x {@link #CANVAS} RGB picture. */
    public static BufferedImage draw(int shape, Random r) {
        return draw(shape, CANVAS, r);
    }

    /**
     * Shape {@code shape} on a {@code canvas} x {@code canvas} RGB picture.
     *
     * @param shape  0 (square), 1 (triangle) or 2 (cross)
     * @param canvas side in pixels, at least {@link #MIN_CANVAS}
     * @param r      the source of every random choice
     * @throws IllegalArgumentException for another shape or a smaller canvas
     */
    public static BufferedImage draw(int shape, int canvas, Random r) {
        if (shape < 0 || shape >= LABELS.size()) {
            throw new IllegalArgumentException("shape must be 0 to " + (LABELS.size() - 1) + ", got " + shape);
        }
        if (canvas < MIN_CANVAS) {
            throw new IllegalArgumentException("canvas must be at least " + MIN_CANVAS + " pixels, got " + canvas);
        }
        BufferedImage im = new BufferedImage(canvas, canvas, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        float hue = r.nextFloat();
        g.setColor(Color.getHSBColor(hue, 0.3f + 0.4f * r.nextFloat(), 0.15f + 0.25f * r.nextFloat()));
        g.fillRect(0, 0, canvas, canvas);
        g.setColor(Color.getHSBColor(
                (hue + 0.3f + 0.4f * r.nextFloat()) % 1f, 0.5f + 0.5f * r.nextFloat(), 0.7f + 0.3f * r.nextFloat()));
        // Sizes 10 to 18 on the default canvas: the same share of any canvas.
        int min = 10 * canvas / CANVAS;
        int s = min + r.nextInt(9 * canvas / CANVAS);
        int x = 1 + r.nextInt(canvas - s - 1);
        int y = 1 + r.nextInt(canvas - s - 1);
        switch (shape) {
            case 0 -> g.fillRect(x, y, s, s);
            case 1 -> g.fillPolygon(new Polygon(new int[] {x, x + s, x + s / 2}, new int[] {y + s, y + s, y}, 3));
            default -> {
                g.setStroke(new BasicStroke(Math.max(2, s / 4f)));
                g.drawLine(x, y + s / 2, x + s, y + s / 2);
                g.drawLine(x + s / 2, y, x + s / 2, y + s);
            }
        }
        g.dispose();
        int noise = 12 * canvas * canvas / (CANVAS * CANVAS);
        for (int i = 0; i < noise; i++) {
            im.setRGB(r.nextInt(canvas), r.nextInt(canvas), r.nextInt());
        }
        return im;
    }

    /** The picture as a PNG file's bytes. */
    public static byte[] png(BufferedImage im) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(im, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
