package io.streamtune.cli.files;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a JSONL file as bytes, numbered from 1. Reading bytes rather than characters lets
 * a caller judge each line alone: a line that is not UTF-8 text is that line's problem, not the
 * file's (a {@code Reader} would fail the whole file at the first undecodable byte).
 *
 * <pre>{@code
 * try (JsonlLines lines = new JsonlLines(file, limits.recordBytes())) {
 *     for (JsonlLines.Line l = lines.next(); l != null; l = lines.next()) { ... l.number(), l.bytes() ... }
 * }
 * }</pre>
 *
 * <p>A line ends at {@code \n}; a {@code \r} before it is dropped. Of a line longer than
 * {@code maxLineBytes} only the first {@code maxLineBytes + 1} bytes are kept (enough to know it is
 * too long, without holding a huge line in memory); {@link Line#length()} is its full length.
 */
public final class JsonlLines implements Closeable {
    /** One line: its number (from 1), its bytes without the line end (maybe cut), and its full length. */
    public record Line(int number, byte[] bytes, long length) {
        /** True when the line was longer than the limit and only its start is kept. */
        public boolean cut() {
            return length > bytes.length;
        }

        /** True when the line holds only ASCII white space (space, tab, CR, FF, VT) or nothing. */
        public boolean blank() {
            for (byte b : bytes) {
                if (b != ' ' && b != '\t' && b != '\r' && b != '\f' && b != 0x0B) {
                    return false;
                }
            }
            return !cut();
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[64 * 1024];
    private int pos;
    private int end;
    private int number;
    private boolean eof;

    /**
     * @param maxLineBytes longer lines are kept only up to this many bytes plus one
     * @throws IOException when the file cannot be opened
     */
    public JsonlLines(Path file, int maxLineBytes) throws IOException {
        this.in = Files.newInputStream(file);
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null after the last one. A final line without {@code \n} is a line. */
    public Line next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long length = 0;
        while (true) {
            if (pos == end) {
                if (eof || !fill()) {
                    eof = true;
                    return length == 0 && line.size() == 0 ? null : finish(line, length);
                }
            }
            int start = pos;
            while (pos < end && buffer[pos] != '\n') {
                pos++;
            }
            int n = pos - start;
            int keep = (int) Math.max(0, Math.min(n, (long) maxLineBytes + 1 - line.size()));
            line.write(buffer, start, keep);
            length += n;
            if (pos < end) {
                pos++; // the '\n'
                return finish(line, length);
            }
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    private Line finish(ByteArrayOutputStream line, long length) {
        byte[] bytes = line.toByteArray();
        number++;
        if (length == bytes.length && bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
            byte[] trimmed = java.util.Arrays.copyOf(bytes, bytes.length - 1);
            return new Line(number, trimmed, length - 1);
        }
        return new Line(number, bytes, length);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
