/**
 * Running model versions: {@link io.streamtune.common.runtime.Backbones} opens and shares every
 * backbone (keyed by everything that changes its output), {@link io.streamtune.common.runtime.Classifier}
 * is one version's downstream-task model (backbone + head), and
 * {@link io.streamtune.common.runtime.CachingBackbone} keeps features the trainer computes again and
 * again on a sliding window. The trainer's gate, the scorer, {@code evaluate} and the benchmarks all
 * classify through here, so what is measured is what is served.
 */
package io.streamtune.common.runtime;
