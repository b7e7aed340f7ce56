/**
 * Observability of the scoring service: {@link io.streamtune.scoring.monitor.ScoringMetrics}
 * (Micrometer, dot.case names, bounded tags) and {@link io.streamtune.scoring.monitor.ScoringHealth}
 * (the {@code /health} document: Streams state and the version in service per task).
 */
package io.streamtune.scoring.monitor;
