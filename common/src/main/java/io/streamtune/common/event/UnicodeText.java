package io.streamtune.common.event;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What streamtune counts as a character and as visible text.
 *
 * <ul>
 *   <li>A <b>character</b> is a Unicode code point: a surrogate pair (an emoji, a rare CJK
 *       ideograph) is one character, as a reader counts it, not two UTF-16 units.</li>
 *   <li>A code point is <b>invisible</b> when it is white space of any kind
 *       ({@link Character#isWhitespace}, or a space separator such as U+00A0 NO-BREAK SPACE,
 *       U+2007, U+202F, U+3000, or a line or paragraph separator), a control character (Cc), a
 *       format character (Cf: U+200B ZERO WIDTH SPACE, ZWJ/ZWNJ, U+2060 WORD JOINER, U+FEFF
 *       BOM, bidirectional marks, ...), or a default-ignorable code point (Unicode property
 *       {@code Default_Ignorable_Code_Point}: Hangul fillers, variation selectors, U+034F
 *       COMBINING GRAPHEME JOINER, ...).</li>
 *   <li>A text with no visible code point is empty ({@link Reason#EMPTY_TEXT}).</li>
 * </ul>
 *
 * <pre>{@code
 * UnicodeText.hasVisibleCharacter("\u00a0\u200b");   // false
 * UnicodeText.characters("a\ud83d\ude00");            // 2
 * }</pre>
 */
public final class UnicodeText {
    /**
     * The {@code Default_Ignorable_Code_Point} ranges of Unicode 16.0 (DerivedCoreProperties.txt),
     * inclusive, as pairs; most are Cc/Cf anyway, listed whole so the table can be checked
     * against the source line by line (checked with ICU4J 76.1).
     */
    private static final int[] DEFAULT_IGNORABLE = {
        0x00AD, 0x00AD, 0x034F, 0x034F, 0x061C, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F,
        0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x206F, 0x3164, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
        0xFFA0, 0xFFA0, 0xFFF0, 0xFFF8, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0000, 0xE0FFF,
    };

    private UnicodeText() {}

    /** True when {@code codePoint} shows nothing on its own (see the class comment for the rule). */
    public static boolean isInvisible(int codePoint) {
        if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
            return true;
        }
        int type = Character.getType(codePoint);
        if (type == Character.CONTROL || type == Character.FORMAT) {
            return true;
        }
        for (int i = 0; i < DEFAULT_IGNORABLE.length; i += 2) {
            if (codePoint >= DEFAULT_IGNORABLE[i] && codePoint <= DEFAULT_IGNORABLE[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** True when at least one code point of {@code text} is visible. */
    public static boolean hasVisibleCharacter(CharSequence text) {
        return text.codePoints().anyMatch(cp -> !isInvisible(cp));
    }

    /** The characters (code points) of {@code text}; a surrogate pair counts once. */
    public static int characters(String text) {
        return text.codePointCount(0, text.length());
    }

    /**
     * The index of the first UTF-16 surrogate that is not half of a pair, or -1. A lone surrogate
     * (e.g. from a JSON escape {@code "\ud800"}) encodes no Unicode character.
     */
    public static int firstLoneSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The offset of the first byte that is not part of well-formed UTF-8, or -1 when all of
     * {@code bytes} is UTF-8 text. Strict as the JDK's decoder is: overlong forms, encoded
     * surrogates and code points above U+10FFFF are errors.
     */
    public static int firstInvalidUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(Math.min(bytes.length, 8192) + 1);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isUnderflow()) {
                return decoder.flush(out).isError() ? in.position() : -1;
            }
            out.clear(); // overflow: only the verdict matters, not the characters
        }
    }
}
