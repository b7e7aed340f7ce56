/**
 * Drift detection: a standardised two-sided Page-Hinkley test
 * ({@link io.streamtune.monitor.drift.PageHinkley}), small, ours, and tested on synthetic streams.
 */
package io.streamtune.monitor.drift;
