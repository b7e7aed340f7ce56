package io.streamtune.common.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns encoded image bytes (PNG, JPEG, GIF or BMP: what the JDK's ImageIO reads) into the
 * input of a CNN backbone described by an {@link ImageSpec}. Stateless and thread-safe.
 *
 * <ol>
 *   <li><b>Header first.</b> Width and height are read from the header; 0 or more than
 *       {@code maxPixels} pixels is refused before a single pixel is decoded.</li>
 *   <li><b>Decode</b> with the format's ImageIO reader; a reader warning (e.g. a JPEG without its
 *       end marker) is a failure, not a grey-filled image.</li>
 *   <li><b>Channels.</b> Alpha is composited over <b>white</b> (a transparent background reads as
 *       paper, whatever colour the invisible pixels hold); RGB to grey uses the ITU-R BT.601 luma
 *       weights {@code Y = 0.299 R + 0.587 G + 0.114 B} on the stored (gamma-encoded) values, as
 *       PIL's {@code convert("L")} does; grey to RGB copies the grey value into all three.
 *       Grey images are read from their samples, not through {@code getRGB}, which would pass
 *       them through a colour-space conversion (grey 128 would read as 188).</li>
 *   <li><b>Crop and resize.</b> The centred square with side min(width, height) is cut out (the
 *       shorter side is kept whole and the longer one is cropped equally on both sides), then
 *       resized to {@code size} x {@code size}: area averaging when shrinking (each output pixel
 *       is the mean of the source area it covers, so no aliasing), bilinear with pixel centres
 *       aligned when enlarging. Done in plain Java, so results are the same on every JVM.</li>
 *   <li><b>Normalise</b> with {@link ImageSpec#normalise}: {@code (value / 255 - mean) / std}.</li>
 * </ol>
 *
 * <pre>{@code
 * ImagePreprocessor pre = new ImagePreprocessor(ImageSpec.of(28, 1), ImagePreprocessor.DEFAULT_MAX_PIXELS);
 * float[] x = pre.tensorFromBase64(record.image());   // [1, 28, 28], throws ImageException
 * }</pre>
 */
public final class ImagePreprocessor {

    /** Default pixel limit: 4096 x 4096 (a decoded ARGB image of 64 MiB). */
    public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;

    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** The JDK's reader provider per format read by {@link ImageHeaders}, found once. */
    private static final Map<ImageHeaders.Format, ImageReaderSpi> PROVIDERS = providers();

    private final ImageSpec spec;
    private final long maxPixels;

    /**
     * @param spec      what the output must be
     * @param maxPixels largest width x height accepted (checked from the header, before decoding)
     */
    public ImagePreprocessor(ImageSpec spec, long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
        }
        this.spec = spec;
        this.maxPixels = maxPixels;
    }

    public ImageSpec spec() {
        return spec;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Format name and dimensions read from an image's header. */
    public record Header(String format, int width, int height) {}

    /**
     * Base64 text (as in a record's {@code image} field) to the normalised tensor
     * {@code [channels, size, size]}.
     *
     * @throws ImageException NOT_BASE64, or any defect of {@link #tensor(byte[])}
     */
    public float[] tensorFromBase64(String base64) throws ImageException {
        return tensor(fromBase64(base64));
    }

    /**
     * Encoded bytes to the normalised tensor {@code [channels, size, size]}, row-major.
     *
     * @throws ImageException NOT_AN_IMAGE, TRUNCATED, CORRUPT, ZERO_SIZE or TOO_MANY_PIXELS
     */
    public float[] tensor(byte[] encoded) throws ImageException {
        return spec.normalise(pixels(encoded));
    }

    /**
     * Encoded bytes to uint8 pixels {@code [channels, size, size]} (steps 1 to 4 of the class
     * comment); {@link ImageSpec#normalise} makes the tensor. Storing pixels takes a quarter of
     * the memory of floats, which matters for a training window.
     *
     * @throws ImageException as {@link #tensor(byte[])}
     */
    public byte[] pixels(byte[] encoded) throws ImageException {
        return pixels(decode(encoded));
    }

    /** Pixels of an image already in memory (a generated image, a data set's raw pixels): steps 3 and 4. */
    public byte[] pixels(BufferedImage image) {
        return Resampler.cropAndResize(rows(image), image.getWidth(), image.getHeight(), spec.channels(), spec.size());
    }

    /**
     * Decodes base64 text; the strict alphabet of RFC 4648 section 4, no line breaks.
     *
     * @throws ImageException NOT_BASE64 (or NOT_AN_IMAGE for empty text)
     */
    public static byte[] fromBase64(String base64) throws ImageException {
        if (base64 == null || base64.isBlank()) {
            throw new ImageException(ImageException.Defect.NOT_AN_IMAGE, "no image (empty text)");
        }
        String text = base64.trim();
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ImageException(
                    ImageException.Defect.NOT_BASE64, "image is not valid base64: " + base64Problem(text, e), e);
        }
    }

    /**
     * What is wrong with text the base64 decoder refused: the first character outside the alphabet and where it is
     * (the JDK's message gives the character's hex code only, which reads like a position), else the decoder's own
     * message (a wrong length or padding).
     */
    static String base64Problem(String text, IllegalArgumentException e) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean alphabet = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '+'
                    || c == '/'
                    || c == '=';
            if (!alphabet) {
                String shown = c == ' '
                        ? "a space"
                        : Character.isISOControl(c) || Character.isWhitespace(c)
                                ? String.format("U+%04X", (int) c)
                                : "'" + c + "'";
                return shown + " at character " + i + " is outside the base64 alphabet (A-Z a-z 0-9 + / and = padding,"
                        + " no line breaks; base64url's - and _ are not accepted)";
            }
        }
        return e.getMessage();
    }

    /**
     * Reads format and dimensions from the header only, and applies the size checks; nothing is
     * decoded. Cheap enough for a record validator on a stream thread: PNG, JPEG, GIF and BMP headers
     * are read in plain Java ({@code ImageHeaders}, no ImageIO object), other formats through their
     * ImageIO reader's header. A data stream that is damaged or cut short after the header passes
     * here and fails in {@link #decode(byte[], long)}.
     *
     * @throws ImageException NOT_AN_IMAGE, TRUNCATED or CORRUPT (header unreadable), ZERO_SIZE, TOO_MANY_PIXELS
     */
    public static Header probe(byte[] encoded, long maxPixels) throws ImageException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageException(ImageException.Defect.NOT_AN_IMAGE, "no image bytes (0 bytes)");
        }
        ImageHeaders.Format format = ImageHeaders.format(encoded);
        if (format != null) {
            long[] wh = ImageHeaders.dimensions(format, encoded);
            return checked(format.display(), wh[0], wh[1], maxPixels);
        }
        try (ImageInputStream in = open(encoded)) {
            ImageReader reader = reader(in, encoded);
            try {
                return header(reader, encoded, maxPixels);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageException(ImageException.Defect.CORRUPT, "image cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Checks the header against this preprocessor's pixel limit and decodes the image.
     *
     * @throws ImageException as {@link #tensor(byte[])}
     */
    public BufferedImage decode(byte[] encoded) throws ImageException {
        return decode(encoded, maxPixels);
    }

    /**
     * Checks the header ({@link #probe}) and decodes the image: what a record validator calls to
     * know an image is usable, without the memory a decompression bomb would take.
     *
     * @throws ImageException NOT_AN_IMAGE, TRUNCATED, CORRUPT, ZERO_SIZE or TOO_MANY_PIXELS
     */
    public static BufferedImage decode(byte[] encoded, long maxPixels) throws ImageException {
        try (ImageInputStream in = open(encoded)) {
            ImageReader reader = reader(in, encoded);
            try {
                Header h = header(reader, encoded, maxPixels);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image;
                try {
                    image = reader.read(0);
                } catch (IOException | RuntimeException e) {
                    throw failure(h, "the image data cannot be decoded", e);
                }
                if (!warnings.isEmpty()) {
                    String all = String.join("; ", warnings);
                    boolean ended = all.toLowerCase(Locale.ROOT).contains("premature end")
                            || all.toLowerCase(Locale.ROOT).contains("truncated");
                    throw new ImageException(
                            ended ? ImageException.Defect.TRUNCATED : ImageException.Defect.CORRUPT,
                            describe(h) + (ended ? " is truncated" : " is damaged") + " (" + encoded.length
                                    + " bytes; decoder: " + all + ")");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageException(ImageException.Defect.CORRUPT, "image cannot be read: " + e.getMessage(), e);
        }
    }

    private static ImageInputStream open(byte[] encoded) throws ImageException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageException(ImageException.Defect.NOT_AN_IMAGE, "no image bytes (0 bytes)");
        }
        // In memory, read in place: ImageIO.createImageInputStream may cache to temporary files, and
        // MemoryCacheImageInputStream copies the bytes and registers each stream with a global table.
        return new ByteArrayImageInputStream(encoded);
    }

    /**
     * The ImageIO reader of the format the first bytes announce, made by that format's provider (found
     * once per format); other bytes go through ImageIO's search, which asks every provider in turn.
     */
    private static ImageReader reader(ImageInputStream in, byte[] encoded) throws ImageException {
        ImageHeaders.Format format = ImageHeaders.format(encoded);
        ImageReaderSpi provider = format == null ? null : PROVIDERS.get(format);
        if (provider != null) {
            try {
                ImageReader reader = provider.createReaderInstance();
                reader.setInput(in, true, true);
                return reader;
            } catch (IOException e) {
                throw new ImageException(
                        ImageException.Defect.CORRUPT, "no " + format.display() + " reader: " + e.getMessage(), e);
            }
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ImageException(
                    ImageException.Defect.NOT_AN_IMAGE,
                    "bytes are not a PNG, JPEG, GIF or BMP image (" + encoded.length + " bytes starting "
                            + hexStart(encoded) + ")");
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        return reader;
    }

    private static Header header(ImageReader reader, byte[] encoded, long maxPixels) throws ImageException {
        String format;
        try {
            format = reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            format = "image";
        }
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            // The JDK's PNG reader refuses a zero dimension inside its header check; say so plainly.
            int[] declared = pngDimensions(encoded);
            if (declared != null && (declared[0] == 0 || declared[1] == 0)) {
                throw zeroSize(format, declared[0], declared[1]);
            }
            throw failure(new Header(format, -1, -1), "its header cannot be read", e);
        }
        return checked(format, width, height, maxPixels);
    }

    /** The size checks on declared dimensions (unsigned, as a header may hold them). */
    private static Header checked(String format, long width, long height, long maxPixels) throws ImageException {
        if (width <= 0 || height <= 0) {
            throw zeroSize(format, width, height);
        }
        // Each side is below 2^32; only a product of two sides over 3 billion overflows (and is refused as such).
        long pixels;
        try {
            pixels = Math.multiplyExact(width, height);
        } catch (ArithmeticException e) {
            pixels = Long.MAX_VALUE;
        }
        if (pixels > maxPixels) {
            throw new ImageException(
                    ImageException.Defect.TOO_MANY_PIXELS,
                    String.format(
                            Locale.ROOT,
                            "%s image of %d x %d = %,d pixels is over the limit of %,d pixels (refused before decoding)",
                            format,
                            width,
                            height,
                            pixels,
                            maxPixels));
        }
        return new Header(format, (int) width, (int) height);
    }

    private static ImageException zeroSize(String format, long width, long height) {
        return new ImageException(
                ImageException.Defect.ZERO_SIZE,
                format + " image header declares " + width + " x " + height + " pixels (zero-sized)");
    }

    private static ImageException failure(Header h, String what, Throwable e) {
        boolean ended = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            ended |= t instanceof EOFException;
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (ended) {
            return new ImageException(
                    ImageException.Defect.TRUNCATED, describe(h) + " is truncated: " + what + " (" + detail + ")", e);
        }
        return new ImageException(
                ImageException.Defect.CORRUPT,
                describe(h) + " is damaged or unsupported: " + what + " (" + detail + ")",
                e);
    }

    private static String describe(Header h) {
        return h.width() < 0 ? h.format() + " image" : h.format() + " image of " + h.width() + " x " + h.height();
    }

    private static Map<ImageHeaders.Format, ImageReaderSpi> providers() {
        Map<ImageHeaders.Format, ImageReaderSpi> out = new EnumMap<>(ImageHeaders.Format.class);
        for (ImageHeaders.Format f : ImageHeaders.Format.values()) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(f.imageIoName);
            if (readers.hasNext()) {
                ImageReader reader = readers.next();
                out.put(f, reader.getOriginatingProvider());
                reader.dispose();
            }
        }
        return out;
    }

    /** Width and height from a PNG's IHDR chunk (bytes 16 to 23), or null when not a PNG. */
    private static int[] pngDimensions(byte[] b) {
        if (b.length < 24) {
            return null;
        }
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (b[i] != PNG_SIGNATURE[i]) {
                return null;
            }
        }
        return new int[] {readInt(b, 16), readInt(b, 20)};
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    private static String hexStart(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    /**
     * Reads rows of the image as {@code spec.channels()} float values per pixel (0 to 255), alpha
     * composited over white, so the resampler never holds more than one source row per channel.
     */
    private Resampler.Rows rows(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        int channels = spec.channels();
        boolean grey = !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (grey) {
            // Samples as stored: getRGB would convert the (linear) grey colour space to sRGB.
            Raster raster = image.getRaster();
            float max = (float) ((1L << cm.getComponentSize(0)) - 1);
            boolean alpha = cm.hasAlpha() && raster.getNumBands() > 1;
            float alphaMax = alpha ? (float) ((1L << cm.getComponentSize(1)) - 1) : 1f;
            return (y, x0, width, out) -> {
                int[] v = raster.getSamples(x0, y, width, 1, 0, (int[]) null);
                int[] a = alpha ? raster.getSamples(x0, y, width, 1, 1, (int[]) null) : null;
                for (int x = 0; x < width; x++) {
                    float value = v[x] * 255f / max;
                    if (a != null) {
                        float opacity = a[x] / alphaMax;
                        value = value * opacity + 255f * (1 - opacity);
                    }
                    for (int c = 0; c < channels; c++) {
                        out[c][x] = value;
                    }
                }
            };
        }
        return (y, x0, width, out) -> {
            int[] argb = image.getRGB(x0, y, width, 1, null, 0, width);
            for (int x = 0; x < width; x++) {
                int p = argb[x];
                float opacity = (p >>> 24) / 255f;
                float white = 255f * (1 - opacity);
                float r = ((p >> 16) & 0xff) * opacity + white;
                float g = ((p >> 8) & 0xff) * opacity + white;
                float b = (p & 0xff) * opacity + white;
                if (channels == 1) {
                    out[0][x] = LUMA_R * r + LUMA_G * g + LUMA_B * b;
                } else {
                    out[0][x] = r;
                    out[1][x] = g;
                    out[2][x] = b;
                }
            }
        };
    }
}
