package io.streamtune.common.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.streamtune.common.image.ImageException.Defect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePreprocessorTest {

    private static final ImagePreprocessor GREY4 = new ImagePreprocessor(ImageSpec.of(4, 1), 1_000_000);
    private static final ImagePreprocessor RGB4 = new ImagePreprocessor(ImageSpec.of(4, 3), 1_000_000);

    static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, r.nextInt());
            }
        }
        return im;
    }

    private static BufferedImage solid(int w, int h, int type, int argb) {
        BufferedImage im = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, argb);
            }
        }
        return im;
    }

    private static BufferedImage grey(int[][] values) {
        BufferedImage im = new BufferedImage(values[0].length, values.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < values.length; y++) {
            for (int x = 0; x < values[0].length; x++) {
                im.getRaster().setSample(x, y, 0, values[y][x]);
            }
        }
        return im;
    }

    /** A PNG whose IHDR declares the given size (CRC fixed), followed by the rest of a real PNG. */
    private static byte[] pngDeclaring(int width, int height) {
        byte[] b = encode(noise(8, 8), "png");
        writeInt(b, 16, width);
        writeInt(b, 20, height);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        writeInt(b, 29, (int) crc.getValue());
        return b;
    }

    private static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static int[] unsigned(byte[] pixels) {
        int[] out = new int[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = pixels[i] & 0xff;
        }
        return out;
    }

    @Test
    void shouldRejectTextThatIsNotBase64() {
        ImageException e = assertThrows(ImageException.class, () -> GREY4.tensorFromBase64("not*base64!"));
        assertEquals(Defect.NOT_BASE64, e.defect());
        assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());
        // The first character outside the alphabet and its place, not the JDK's hex code of it ("character 2a").
        assertTrue(e.getMessage().contains("'*' at character 3 is outside the base64 alphabet"), e.getMessage());
    }

    @Test
    void shouldNameTheCharacterOrTheLengthProblemOfBadBase64() {
        assertTrue(assertThrows(ImageException.class, () -> ImagePreprocessor.fromBase64("a caption here"))
                .getMessage()
                .contains("a space at character 1"));
        assertTrue(assertThrows(ImageException.class, () -> ImagePreprocessor.fromBase64("iVBO-w0K"))
                .getMessage()
                .contains("'-' at character 4 is outside the base64 alphabet (A-Z a-z 0-9 + / and = padding, no line"
                        + " breaks; base64url's - and _ are not accepted)"));
        assertTrue(assertThrows(ImageException.class, () -> ImagePreprocessor.fromBase64("iVBOR\nw0K"))
                .getMessage()
                .contains("U+000A at character 5"));
        // Every character is in the alphabet, the length is not: the decoder's own words.
        ImageException length = assertThrows(ImageException.class, () -> ImagePreprocessor.fromBase64("iVBORw0KG"));
        assertTrue(length.getMessage().startsWith("image is not valid base64: "), length.getMessage());
        assertEquals(Defect.NOT_BASE64, length.defect());
    }

    @Test
    void shouldRejectBytesThatAreNotAnImage() {
        String text = Base64.getEncoder().encodeToString("just some text, no picture".getBytes());
        ImageException e = assertThrows(ImageException.class, () -> GREY4.tensorFromBase64(text));
        assertEquals(Defect.NOT_AN_IMAGE, e.defect());
        assertTrue(e.getMessage().contains("not a PNG, JPEG, GIF or BMP"), e.getMessage());
        assertEquals(
                Defect.NOT_AN_IMAGE,
                assertThrows(ImageException.class, () -> GREY4.tensor(new byte[0]))
                        .defect());
    }

    @Test
    void shouldRejectATruncatedPngAndSaySo() {
        byte[] png = encode(noise(64, 48), "png");
        ImageException e = assertThrows(ImageException.class, () -> GREY4.tensor(Arrays.copyOf(png, png.length / 2)));
        assertEquals(Defect.TRUNCATED, e.defect());
        assertTrue(e.getMessage().contains("PNG image of 64 x 48 is truncated"), e.getMessage());
        ImageException header = assertThrows(ImageException.class, () -> GREY4.tensor(Arrays.copyOf(png, 12)));
        assertEquals(Defect.TRUNCATED, header.defect(), header.getMessage());
    }

    @Test
    void shouldRejectATruncatedJpegInsteadOfReturningAGreyFilledImage() {
        byte[] jpeg = encode(noise(64, 48), "jpg");
        ImageException e = assertThrows(ImageException.class, () -> RGB4.tensor(Arrays.copyOf(jpeg, jpeg.length / 2)));
        assertEquals(Defect.TRUNCATED, e.defect());
        assertTrue(e.getMessage().contains("JPEG image of 64 x 48 is truncated"), e.getMessage());
    }

    @Test
    void shouldRejectAZeroSizedImage() {
        ImageException e = assertThrows(ImageException.class, () -> GREY4.tensor(pngDeclaring(0, 8)));
        assertEquals(Defect.ZERO_SIZE, e.defect());
        assertTrue(e.getMessage().contains("0 x 8"), e.getMessage());
    }

    @Test
    void shouldRefuseAHeaderClaimingHugeDimensionsBeforeDecoding() throws ImageException {
        byte[] bomb = pngDeclaring(100_000, 100_000);
        assertTrue(bomb.length < 1_000, "the claim costs a few hundred bytes: " + bomb.length);
        ImageException e = assertThrows(ImageException.class, () -> GREY4.tensor(bomb));
        assertEquals(Defect.TOO_MANY_PIXELS, e.defect());
        assertTrue(e.getMessage().contains("100000 x 100000"), e.getMessage());
        assertTrue(e.getMessage().contains("1,000,000"), e.getMessage());
        assertEquals(
                Defect.TOO_MANY_PIXELS,
                assertThrows(ImageException.class, () -> ImagePreprocessor.probe(bomb, 1_000_000))
                        .defect());
        assertEquals(new ImagePreprocessor.Header("PNG", 8, 8), ImagePreprocessor.probe(pngDeclaring(8, 8), 64));
    }

    @Test
    void shouldReadEachFormatsHeaderAsImageIoDoesWithoutDecodingThePixels() throws Exception {
        for (String format : new String[] {"png", "jpg", "gif", "bmp"}) {
            byte[] image = encode(noise(37, 23), format);
            javax.imageio.ImageReader reader = ImageIO.getImageReaders(
                            ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(image)))
                    .next();
            String name = reader.getFormatName().toUpperCase(java.util.Locale.ROOT);
            assertEquals(new ImagePreprocessor.Header(name, 37, 23), ImagePreprocessor.probe(image, 1_000), format);
            // Cut after the header: the header check passes, the decode refuses it.
            byte[] cut = Arrays.copyOf(image, image.length * 2 / 3);
            assertEquals(new ImagePreprocessor.Header(name, 37, 23), ImagePreprocessor.probe(cut, 1_000), format);
            ImageException e = assertThrows(ImageException.class, () -> ImagePreprocessor.decode(cut, 1_000), format);
            assertTrue(e.defect() == Defect.TRUNCATED || e.defect() == Defect.CORRUPT, format + ": " + e.defect());
            assertEquals(
                    Defect.TOO_MANY_PIXELS,
                    assertThrows(ImageException.class, () -> ImagePreprocessor.probe(image, 37 * 23 - 1))
                            .defect(),
                    format);
            assertEquals(
                    Defect.TRUNCATED,
                    assertThrows(ImageException.class, () -> ImagePreprocessor.probe(Arrays.copyOf(image, 9), 1_000))
                            .defect(),
                    format);
        }
        assertEquals(
                Defect.ZERO_SIZE,
                assertThrows(ImageException.class, () -> ImagePreprocessor.probe(pngDeclaring(8, 0), 1_000))
                        .defect());
        assertEquals(
                Defect.NOT_AN_IMAGE,
                assertThrows(ImageException.class, () -> ImagePreprocessor.probe("no picture".getBytes(), 1_000))
                        .defect());
        // 0xFFFFFFFF x 0xFFFFFFFF: unsigned in the header, and a product over 2^63.
        assertEquals(
                Defect.TOO_MANY_PIXELS,
                assertThrows(ImageException.class, () -> ImagePreprocessor.probe(pngDeclaring(-1, -1), 1_000))
                        .defect());
    }

    @Test
    void shouldConvertRgbToGreyWithTheBt601LumaWeights() throws ImageException {
        byte[] png = encode(solid(4, 4, BufferedImage.TYPE_INT_RGB, 0xC86432), "png"); // r 200, g 100, b 50
        int[] px = unsigned(GREY4.pixels(png));
        // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2
        int[] expected = new int[16];
        Arrays.fill(expected, 124);
        assertArrayEquals(expected, px);
    }

    @Test
    void shouldCopyGreyIntoThreeChannelsWithoutAColourSpaceShift() throws ImageException {
        byte[] png = encode(
                grey(new int[][] {{77, 77, 77, 77}, {77, 77, 77, 77}, {128, 128, 128, 128}, {128, 128, 128, 128}}),
                "png");
        int[] px = unsigned(RGB4.pixels(png));
        assertEquals(48, px.length);
        for (int c = 0; c < 3; c++) {
            assertEquals(77, px[c * 16], "channel " + c);
            assertEquals(128, px[c * 16 + 15], "channel " + c + " (getRGB would give 188)");
        }
    }

    @Test
    void shouldCompositeTransparentPixelsOverWhite() throws ImageException {
        BufferedImage im = solid(4, 4, BufferedImage.TYPE_INT_ARGB, 0x00000000); // fully transparent black
        im.setRGB(0, 0, 0x80FF0000); // half-transparent red
        int[] px = unsigned(RGB4.pixels(encode(im, "png")));
        assertEquals(255, px[5], "transparent reads as white, red channel");
        assertEquals(255, px[16 + 5], "green");
        assertEquals(255, px[32 + 5], "blue");
        assertEquals(255, px[0], "half red over white: red stays 255");
        assertEquals(127, px[16], "green: 0 * 0.502 + 255 * 0.498");
    }

    @Test
    void shouldCropTheCentreSquareAndAverageAreasWhenShrinking() throws ImageException {
        // 8 x 4: the two outer columns on each side are cropped; the 4 x 4 centre is 100 | 200.
        int[] row = {0, 0, 100, 100, 200, 200, 255, 255};
        BufferedImage im = grey(new int[][] {row, row, row, row});
        ImagePreprocessor two = new ImagePreprocessor(ImageSpec.of(2, 1), 1_000);
        assertArrayEquals(new int[] {100, 200, 100, 200}, unsigned(two.pixels(encode(im, "png"))));
    }

    @Test
    void shouldInterpolateBilinearlyWhenEnlarging() throws ImageException {
        BufferedImage im = grey(new int[][] {{0, 255}, {0, 255}});
        int[] px = unsigned(GREY4.pixels(encode(im, "bmp")));
        // output centres at -0.25, 0.25, 0.75, 1.25 source pixels: 0, 63.75, 191.25, 255 (edges clamped)
        assertArrayEquals(new int[] {0, 64, 191, 255}, Arrays.copyOfRange(px, 0, 4));
        assertArrayEquals(new int[] {0, 64, 191, 255}, Arrays.copyOfRange(px, 12, 16));
    }

    @Test
    void shouldNormaliseEachChannelWithItsMeanAndStd() throws ImageException {
        ImageSpec spec = new ImageSpec(4, 3, new float[] {0.5f, 0f, 1f}, new float[] {0.25f, 1f, 0.5f});
        byte[] red = encode(solid(4, 4, BufferedImage.TYPE_INT_RGB, 0xFF0000), "gif");
        float[] x = new ImagePreprocessor(spec, 100).tensor(red);
        assertEquals(48, x.length);
        assertEquals(2f, x[0], 1e-6, "red 255: (1 - 0.5) / 0.25");
        assertEquals(0f, x[16], 1e-6, "green 0: (0 - 0) / 1");
        assertEquals(-2f, x[32], 1e-6, "blue 0: (0 - 1) / 0.5");
    }

    @Test
    void shouldRefuseAMeanOrStdOfTheWrongLength() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new ImageSpec(8, 3, new float[] {0.1f, 0.2f}, new float[] {1f}));
        assertTrue(e.getMessage().contains("needs 1 or 3 values, got 2"), e.getMessage());
    }
}
