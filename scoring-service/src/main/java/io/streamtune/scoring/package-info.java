/**
 * The scoring service: {@link io.streamtune.scoring.ScoringService} wires settings
 * ({@link io.streamtune.scoring.ScoringSettings}, section {@code scoring}), the model registry,
 * the topology, metrics and health; {@link io.streamtune.scoring.ScoringMain} is its command line.
 */
package io.streamtune.scoring;
