package io.streamtune.common.config;

/**
 * Where a model trains (and, for PyTorch-run parts, runs). Parsed once from configuration.
 *
 * <p>{@link #AUTO} picks the first GPU when DJL's PyTorch engine sees one and the CPU otherwise;
 * {@link #GPU} fails at start when there is none. The GPU path is written device-agnostic and
 * tested on CPU only: no machine this project is built on has a GPU and a JDK.
 */
public enum Device {
    AUTO,
    CPU,
    GPU
}
