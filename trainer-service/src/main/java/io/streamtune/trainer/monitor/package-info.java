/** The trainer's meters ({@link io.streamtune.trainer.monitor.TrainerMetrics}): what operators see on {@code /metrics}. */
package io.streamtune.trainer.monitor;
