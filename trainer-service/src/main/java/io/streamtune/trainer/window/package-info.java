/**
 * Training windows: which examples a task trains on ({@link io.streamtune.trainer.window.TaskWindow}),
 * which are held out for the gate ({@link io.streamtune.trainer.window.Holdout}), when it retrains
 * ({@link io.streamtune.trainer.window.RetrainTrigger}) and which offsets a version covers.
 * Pure data structures, no Kafka clients: unit-testable without a broker.
 */
package io.streamtune.trainer.window;
