/**
 * The promotion gate: trains a challenger on a window snapshot
 * ({@link io.streamtune.trainer.gate.Learner}, backed by the learning core), scores champion and
 * challenger on the same holdout and decides with the task's GatePolicy
 * ({@link io.streamtune.trainer.gate.PromotionGate}).
 */
package io.streamtune.trainer.gate;
