package io.streamtune.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeAllocatorTest {

    @Test
    void shouldAcceptBothThresholdsInAnyOrderBesideOtherTunables() {
        assertEquals(Optional.empty(), NativeAllocator.problem("Linux", NativeAllocator.RECOMMENDED));
        assertEquals(
                Optional.empty(),
                NativeAllocator.problem(
                        "Linux",
                        "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1073741824:"
                                + "glibc.malloc.mmap_threshold=16777216"));
    }

    @Test
    void shouldAdviseTheRecommendedValueWhenNothingIsSet() {
        String advice = NativeAllocator.problem("Linux", null).orElseThrow();
        assertTrue(advice.contains("GLIBC_TUNABLES=" + NativeAllocator.RECOMMENDED), advice);
        assertTrue(NativeAllocator.problem("Linux", "glibc.malloc.arena_max=2").isPresent());
    }

    @Test
    void shouldNameTheMissingThresholdWhenOnlyOneIsSet() {
        // The trim threshold alone also pins the mmap threshold at 128 KiB: the slowest of all settings measured.
        String trimOnly = NativeAllocator.problem("Linux", "glibc.malloc.trim_threshold=268435456")
                .orElseThrow();
        assertTrue(trimOnly.contains("without glibc.malloc.mmap_threshold"), trimOnly);
        String mmapOnly = NativeAllocator.problem("Linux", "glibc.malloc.mmap_threshold=33554432")
                .orElseThrow();
        assertTrue(mmapOnly.contains("without glibc.malloc.trim_threshold"), mmapOnly);
        // A name without a value sets nothing.
        assertTrue(NativeAllocator.problem("Linux", "glibc.malloc.mmap_threshold=:glibc.malloc.trim_threshold=1")
                .orElseThrow()
                .contains("without glibc.malloc.mmap_threshold"));
    }

    @Test
    void shouldSayNothingOutsideLinux() {
        assertEquals(Optional.empty(), NativeAllocator.problem("Mac OS X", null));
        assertEquals(Optional.empty(), NativeAllocator.problem("Windows 11", null));
    }

    @Test
    void shouldBeWhatTheLauncherTheServiceImagesAndTheTestRunnerSet() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String file :
                List.of("streamtune", "scoring-service/Dockerfile", "trainer-service/Dockerfile", "pom.xml")) {
            String text = Files.readString(root.resolve(file));
            assertTrue(
                    text.contains(NativeAllocator.RECOMMENDED), file + " does not set " + NativeAllocator.RECOMMENDED);
        }
    }
}
