package io.streamtune.common.image;

import java.util.Locale;

/**
 * Format and dimensions of a PNG, JPEG, GIF or BMP read straight from its first bytes, in plain Java:
 * no ImageIO reader, no stream object, no pixel. The cost is bounded by the header (a JPEG's segments
 * before its frame header are skipped by their lengths, not read), which is what a check on a Kafka
 * Streams thread may spend.
 *
 * <p>Layouts, from the formats' specifications: PNG, the IHDR chunk right after the 8-byte signature
 * (width and height as 4-byte big-endian integers at bytes 16 and 20, ISO/IEC 15948 section 11.2.2);
 * JPEG, the first start-of-frame marker SOF0-SOF15 other than DHT (C4), JPG (C8) and DAC (CC), whose
 * height and width follow the length and precision (ITU T.81 B.2.2); GIF, the logical screen descriptor
 * (little-endian 16-bit width and height at bytes 6 and 8, GIF89a section 18); BMP, the info header after
 * the 14-byte file header (16-bit fields in the 12-byte OS/2 header, else 32-bit little-endian width and
 * height at bytes 18 and 22, a negative height meaning top-down rows).
 */
final class ImageHeaders {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageHeaders() {}

    /** The formats read here, with their ImageIO format names. */
    enum Format {
        PNG("png"),
        JPEG("jpeg"),
        GIF("gif"),
        BMP("bmp");

        final String imageIoName;

        Format(String imageIoName) {
            this.imageIoName = imageIoName;
        }

        /** As ImageIO's reader names it, upper case (PNG, JPEG, GIF, BMP). */
        String display() {
            return imageIoName.toUpperCase(Locale.ROOT);
        }
    }

    /** The format the first bytes announce, or null when they announce none of those read here. */
    static Format format(byte[] b) {
        if (startsWith(b, PNG)) {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return Format.JPEG;
        }
        if (b.length >= 6
                && b[0] == 'G'
                && b[1] == 'I'
                && b[2] == 'F'
                && b[3] == '8'
                && (b[4] == '7' || b[4] == '9')
                && b[5] == 'a') {
            return Format.GIF;
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return Format.BMP;
        }
        return null;
    }

    /**
     * Width and height as the header declares them, unsigned (a PNG may declare up to 2^31 - 1, which
     * the caller's pixel limit refuses).
     *
     * @return {width, height}
     * @throws ImageException TRUNCATED when the bytes end inside the header, CORRUPT when it is not
     *     where the format puts it
     */
    static long[] dimensions(Format format, byte[] b) throws ImageException {
        return switch (format) {
            case PNG -> png(b);
            case JPEG -> jpeg(b);
            case GIF -> {
                need(b, 10, format);
                yield new long[] {u16le(b, 6), u16le(b, 8)};
            }
            case BMP -> bmp(b);
        };
    }

    private static long[] png(byte[] b) throws ImageException {
        need(b, 24, Format.PNG);
        if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw new ImageException(
                    ImageException.Defect.CORRUPT, "PNG image is damaged: its first chunk is not IHDR");
        }
        return new long[] {u32be(b, 16), u32be(b, 20)};
    }

    private static long[] jpeg(byte[] b) throws ImageException {
        int i = 2;
        while (true) {
            // A marker: one or more 0xFF fill bytes, then its code.
            need(b, i + 2, Format.JPEG);
            if ((b[i] & 0xff) != 0xff) {
                throw new ImageException(
                        ImageException.Defect.CORRUPT,
                        "JPEG image is damaged: no marker at byte " + i + " before its frame header");
            }
            while (i + 1 < b.length && (b[i + 1] & 0xff) == 0xff) {
                i++;
            }
            need(b, i + 2, Format.JPEG);
            int code = b[i + 1] & 0xff;
            if (code == 0x01 || (code >= 0xd0 && code <= 0xd7)) {
                i += 2; // TEM and RSTn stand alone
                continue;
            }
            if (code == 0xd9 || code == 0xda) {
                throw new ImageException(
                        ImageException.Defect.CORRUPT,
                        "JPEG image is damaged: " + (code == 0xda ? "scan data" : "end of image")
                                + " before its frame header");
            }
            need(b, i + 4, Format.JPEG);
            int length = (int) u16be(b, i + 2);
            if (length < 2) {
                throw new ImageException(
                        ImageException.Defect.CORRUPT,
                        "JPEG image is damaged: segment length " + length + " at byte " + (i + 2));
            }
            boolean frame = code >= 0xc0 && code <= 0xcf && code != 0xc4 && code != 0xc8 && code != 0xcc;
            if (frame) {
                // length (2), precision (1), height (2), width (2)
                need(b, i + 9, Format.JPEG);
                return new long[] {u16be(b, i + 7), u16be(b, i + 5)};
            }
            i += 2 + length;
        }
    }

    private static long[] bmp(byte[] b) throws ImageException {
        need(b, 18, Format.BMP);
        long infoSize = u32le(b, 14);
        if (infoSize == 12) {
            need(b, 22, Format.BMP);
            return new long[] {u16le(b, 18), u16le(b, 20)};
        }
        if (infoSize < 16) {
            throw new ImageException(
                    ImageException.Defect.CORRUPT, "BMP image is damaged: info header of " + infoSize + " bytes");
        }
        need(b, 26, Format.BMP);
        int width = (int) u32le(b, 18);
        int height = (int) u32le(b, 22);
        // A negative width is meaningless; a negative height means rows stored top-down.
        return new long[] {width < 0 ? 0 : width, Math.abs((long) height)};
    }

    private static void need(byte[] b, int length, Format format) throws ImageException {
        if (b.length < length) {
            throw new ImageException(
                    ImageException.Defect.TRUNCATED,
                    format.display() + " image is truncated: " + b.length + " bytes end inside its header");
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static long u16be(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    private static long u16le(byte[] b, int off) {
        return ((b[off + 1] & 0xff) << 8) | (b[off] & 0xff);
    }

    private static long u32be(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24)
                | ((b[off + 1] & 0xff) << 16)
                | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    private static long u32le(byte[] b, int off) {
        return ((long) (b[off + 3] & 0xff) << 24)
                | ((b[off + 2] & 0xff) << 16)
                | ((b[off + 1] & 0xff) << 8)
                | (b[off] & 0xff);
    }
}
