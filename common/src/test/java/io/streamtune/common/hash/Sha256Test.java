package io.streamtune.common.hash;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Sha256Test {
    /** FIPS 180-2, appendix B.1: SHA-256("abc"). */
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void shouldGiveTheStandardDigestOfAbcEveryWay() throws IOException {
        byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
        assertEquals(ABC, Sha256.hex(abc));
        assertEquals(ABC, Sha256.hex("abc"));
        assertEquals(ABC, Sha256.hex(new ByteArrayInputStream(abc)));
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        assertEquals(ABC, Sha256.copy(new ByteArrayInputStream(abc), copy));
        assertEquals("abc", copy.toString(StandardCharsets.UTF_8));
    }
}
