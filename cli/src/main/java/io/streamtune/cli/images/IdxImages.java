package io.streamtune.cli.images;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Images and labels in the IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST
 * DATABASE of handwritten digits"; Xiao et al., 2017, "Fashion-MNIST"): big-endian, an image file
 * with magic 0x00000803, count, rows, columns and then one unsigned byte per pixel, row-major; a
 * label file with magic 0x00000801, count and one byte per label. Gzipped files ({@code .gz}) are
 * read as they are.
 *
 * <pre>{@code
 * IdxImages train = IdxImages.read(Path.of("../shared/data/fashion_mnist/train-images-idx3-ubyte.gz"));
 * train.size();          // 60000, labels read from train-labels-idx1-ubyte.gz beside it
 * }</pre>
 *
 * @param rows   pixels per column
 * @param cols   pixels per row
 * @param pixels one grey image per entry, {@code rows * cols} bytes, row-major
 * @param labels label per image (0 to 255)
 */
public record IdxImages(int rows, int cols, byte[][] pixels, int[] labels) {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    /** Whether {@code file} is named like an IDX image file ({@code ...images-idx3-ubyte[.gz]}). */
    public static boolean isIdxImages(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        return name.contains("-idx3-ubyte");
    }

    /** The label file beside an image file: {@code images-idx3} becomes {@code labels-idx1}. */
    public static Path labelsBeside(Path imagesFile) {
        String name = imagesFile.getFileName().toString();
        return imagesFile.resolveSibling(name.replace("images-idx3-ubyte", "labels-idx1-ubyte"));
    }

    /**
     * Reads an image file and the label file beside it.
     *
     * @throws IOException a file is missing, not IDX, or ends early; the message names it
     */
    public static IdxImages read(Path imagesFile) throws IOException {
        if (!Files.isRegularFile(imagesFile)) {
            throw new IOException("file not found: " + imagesFile);
        }
        Path labelsFile = labelsBeside(imagesFile);
        if (labelsFile.equals(imagesFile) || !Files.isRegularFile(labelsFile)) {
            throw new IOException("no label file beside " + imagesFile + " (expected " + labelsFile + ")");
        }
        int rows;
        int cols;
        byte[][] pixels;
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(imagesFile + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int n = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            if (n < 0 || rows < 1 || cols < 1 || (long) rows * cols > 1 << 24) {
                throw new IOException(imagesFile + " declares " + n + " images of " + rows + " x " + cols);
            }
            pixels = new byte[n][rows * cols];
            for (int i = 0; i < n; i++) {
                in.readFully(pixels[i]);
            }
        } catch (EOFException e) {
            throw new IOException(imagesFile + " ends early", e);
        }
        int[] labels;
        try (DataInputStream in = open(labelsFile)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IOException(labelsFile + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int n = in.readInt();
            if (n != pixels.length) {
                throw new IOException(labelsFile + " holds " + n + " labels for " + pixels.length + " images");
            }
            byte[] raw = new byte[n];
            in.readFully(raw);
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xff;
            }
        } catch (EOFException e) {
            throw new IOException(labelsFile + " ends early", e);
        }
        return new IdxImages(rows, cols, pixels, labels);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new DataInputStream(in);
    }

    public int size() {
        return labels.length;
    }

    /** Image {@code i} as an 8-bit grey picture. */
    public BufferedImage image(int i) {
        BufferedImage im = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setDataElements(0, 0, cols, rows, pixels[i]);
        return im;
    }

    /** Number of labels: the largest label + 1. */
    public int labelCount() {
        int max = 0;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        return max + 1;
    }
}
