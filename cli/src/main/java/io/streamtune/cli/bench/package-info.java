/**
 * What the benchmark commands share: where the CPU of a measured phase went ({@link io.streamtune.cli.bench.CpuShares}).
 */
package io.streamtune.cli.bench;
