package io.streamtune.cli.images;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Image data written by tests: bars that are horizontal or vertical, as files and as IDX. */
public final class ImageFixtures {

    private ImageFixtures() {}

    /** A bar picture: label 0 horizontal, 1 vertical; random position and colours. */
    public static BufferedImage bar(int label, int size, Random r) {
        BufferedImage im = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setColor(new Color(r.nextInt(80), r.nextInt(80), r.nextInt(80)));
        g.fillRect(0, 0, size, size);
        g.setColor(new Color(150 + r.nextInt(106), 150 + r.nextInt(106), 150 + r.nextInt(106)));
        int at = r.nextInt(size - 4);
        if (label == 0) {
            g.fillRect(0, at, size, 3);
        } else {
            g.fillRect(at, 0, 3, size);
        }
        g.dispose();
        return im;
    }

    /** {@code dir/horizontal/h-000.png ...} and {@code dir/vertical/v-000.png ...}. */
    public static void writeImageFolder(Path dir, int perLabel, long seed) throws IOException {
        Random r = new Random(seed);
        String[] labels = {"horizontal", "vertical"};
        for (int l = 0; l < 2; l++) {
            Path sub = Files.createDirectories(dir.resolve(labels[l]));
            for (int i = 0; i < perLabel; i++) {
                Path file = sub.resolve(String.format("%s-%03d.png", labels[l].charAt(0), i));
                ImageIO.write(bar(l, 20, r), "png", file.toFile());
            }
        }
    }

    /** {@code dir/<prefix>-images-idx3-ubyte.gz} and its labels file: {@code n} grey 12 x 12 bars. */
    public static Path writeIdx(Path dir, String prefix, int n, long seed) throws IOException {
        return writeIdx(dir, prefix, n, seed, 12);
    }

    /** As {@link #writeIdx(Path, String, int, long)} with {@code side} x {@code side} bars. */
    public static Path writeIdx(Path dir, String prefix, int n, long seed, int side) throws IOException {
        Random r = new Random(seed);
        Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        try (DataOutputStream im = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)));
                DataOutputStream lb = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(labels)))) {
            im.writeInt(0x803);
            im.writeInt(n);
            im.writeInt(side);
            im.writeInt(side);
            lb.writeInt(0x801);
            lb.writeInt(n);
            for (int i = 0; i < n; i++) {
                int label = i % 2;
                BufferedImage bar = bar(label, side, r);
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        im.writeByte((bar.getRGB(x, y) >> 8) & 0xff);
                    }
                }
                lb.writeByte(label);
            }
        }
        return images;
    }
}
