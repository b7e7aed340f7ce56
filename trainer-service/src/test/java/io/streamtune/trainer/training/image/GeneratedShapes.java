package io.streamtune.trainer.training.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.image.ImageSpec;

/**
 * Pictures of three shapes (a filled square, a filled triangle, a cross) of random size,
 * position and colours on a random background, written as PNG and read back through
 * {@link ImagePreprocessor} exactly as records would be.
 */
final class GeneratedShapes {
    static final List<String> LABELS = List.of("square", "triangle", "cross");
    private static final int CANVAS = 24;

    private GeneratedShapes() {}

    /** {@code n} images, labels cycling through the three shapes, decoded for {@code spec}. */
    static LabelledImages make(ImageSpec spec, int n, long seed) {
        Random r = new Random(seed);
        ImagePreprocessor pre = new ImagePreprocessor(spec, 10_000);
        List<byte[]> pixels = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % LABELS.size();
            try {
                pixels.add(pre.pixels(png(draw(labels[i], r))));
            } catch (ImageException e) {
                throw new IllegalStateException(e);
            }
        }
        return new LabelledImages(spec, pixels, labels);
    }

    static BufferedImage draw(int shape, Random r) {
        BufferedImage im = new BufferedImage(CANVAS, CANVAS, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        float hue = r.nextFloat();
        g.setColor(Color.getHSBColor(hue, 0.3f + 0.4f * r.nextFloat(), 0.15f + 0.25f * r.nextFloat()));
        g.fillRect(0, 0, CANVAS, CANVAS);
        g.setColor(Color.getHSBColor(
                (hue + 0.3f + 0.4f * r.nextFloat()) % 1f, 0.5f + 0.5f * r.nextFloat(), 0.7f + 0.3f * r.nextFloat()));
        int s = 10 + r.nextInt(9);
        int x = 1 + r.nextInt(CANVAS - s - 1);
        int y = 1 + r.nextInt(CANVAS - s - 1);
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
        for (int i = 0; i < 12; i++) {
            im.setRGB(r.nextInt(CANVAS), r.nextInt(CANVAS), r.nextInt());
        }
        return im;
    }

    static byte[] png(BufferedImage im) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(im, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
