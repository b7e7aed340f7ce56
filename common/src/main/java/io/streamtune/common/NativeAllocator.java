package io.streamtune.common;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;

/**
 * The glibc {@code malloc} settings PyTorch's CPU work needs, and a check that this process was started with them.
 *
 * <p>PyTorch allocates every intermediate tensor with {@code malloc} and frees it at once. With glibc's defaults a
 * buffer over the mmap threshold (128 KiB at first, raised as such buffers are freed) is a fresh mapping, and the
 * top of a heap above the trim threshold (twice the mmap threshold) is handed back to the kernel on free: a CNN
 * batch then touches tens of thousands of new pages a second, zeroed by the kernel, and two threads doing so queue
 * on the process's memory-map lock. Measured on 2 cores with a ResNetV1-20 on 28 x 28 images, batch 32
 * (docs/BENCHMARKS.md): 30-85 thousand minor page faults per second and 20-60% of a core in the kernel; with
 * {@link #RECOMMENDED} the backbone alone went from 1,008 to 2,219 images/s and the scorer end to end from 807 to
 * 1,891 events/s. ONNX Runtime (the text encoder) keeps its own arena and is not affected; LoRA fine-tuning (PyTorch,
 * small tensors) ran at the same speed either way. The cost is memory kept for reuse: peak RSS of a fine-tuning
 * run 1,485 -> 1,743 MiB.
 *
 * <p>Both values must be set together: fixing the trim threshold alone also fixes the mmap threshold at its 128 KiB
 * start (glibc stops adjusting either), which made the same CNN ten times slower (90 instead of 1,030 images/s).
 * The values are glibc tunables, read once when the process starts: the launcher ({@code ./streamtune}), the
 * service images and the test runner set {@code GLIBC_TUNABLES}; a JVM started otherwise logs
 * {@link #problem(String, String)}'s advice once, from the first CNN it builds or trains.
 */
public final class NativeAllocator {

    /** The environment variable glibc reads its tunables from, at process start. */
    public static final String ENV = "GLIBC_TUNABLES";

    /** Allocations under 32 MiB come from the heap (glibc's largest allowed threshold on 64-bit). */
    static final String MMAP_THRESHOLD = "glibc.malloc.mmap_threshold";

    /** Up to 256 MiB free at the top of a heap stays mapped for the next batch. */
    static final String TRIM_THRESHOLD = "glibc.malloc.trim_threshold";

    /** The value of {@link #ENV} the launcher and the images set. */
    public static final String RECOMMENDED = MMAP_THRESHOLD + "=33554432:" + TRIM_THRESHOLD + "=268435456";

    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private NativeAllocator() {}

    /**
     * What is wrong with a process's malloc settings for PyTorch's CPU work, if anything.
     *
     * @param osName the {@code os.name} system property (glibc tunables apply on Linux only)
     * @param tunables the value of {@link #ENV}, or null when it is not set
     * @return advice naming {@link #ENV} and the value to set; empty when both thresholds are set, or not on Linux
     */
    public static Optional<String> problem(String osName, String tunables) {
        if (osName == null || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.empty();
        }
        boolean mmap = sets(tunables, MMAP_THRESHOLD);
        boolean trim = sets(tunables, TRIM_THRESHOLD);
        if (mmap && trim) {
            return Optional.empty();
        }
        String fix = "start the JVM with " + ENV + "=" + RECOMMENDED
                + " (./streamtune and the service images set it; see docs/DESIGN-NOTES.md, native memory)";
        if (trim) {
            return Optional.of(ENV + " sets " + TRIM_THRESHOLD + " without " + MMAP_THRESHOLD
                    + ": glibc then maps every buffer over 128 KiB afresh and PyTorch runs up to ten times slower; "
                    + fix);
        }
        if (mmap) {
            return Optional.of(ENV + " sets " + MMAP_THRESHOLD + " without " + TRIM_THRESHOLD
                    + ": glibc then hands freed memory back to the kernel at 128 KiB and PyTorch refaults it; " + fix);
        }
        return Optional.of(ENV + " does not set " + MMAP_THRESHOLD + " and " + TRIM_THRESHOLD
                + ": CNN scoring and training on PyTorch run about half as fast while glibc returns and refaults their"
                + " buffers; " + fix);
    }

    /**
     * Logs {@link #problem(String, String)} for this process at WARN, once per process (later calls do nothing).
     * Called where a CNN is built for serving or training.
     */
    public static void warnOnceIfUntuned(Logger log) {
        if (CHECKED.compareAndSet(false, true)) {
            problem(System.getProperty("os.name"), System.getenv(ENV)).ifPresent(log::warn);
        }
    }

    /** Whether a {@code name=value:name=value} list gives {@code name} a value. */
    private static boolean sets(String tunables, String name) {
        if (tunables == null) {
            return false;
        }
        for (String entry : tunables.split(":")) {
            int eq = entry.indexOf('=');
            if (eq > 0 && entry.substring(0, eq).trim().equals(name) && eq < entry.length() - 1) {
                return true;
            }
        }
        return false;
    }
}
