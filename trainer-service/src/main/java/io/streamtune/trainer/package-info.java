/**
 * The trainer service: {@link io.streamtune.trainer.TrainerService} wires the windows
 * ({@code window}), the promotion gate ({@code gate}) and transactional publishing
 * ({@code publish}) around one consumer and one transactional producer;
 * {@link io.streamtune.trainer.TrainerMain} runs it as a process. Settings live in the
 * {@code trainer} section ({@link io.streamtune.trainer.TrainerSettings}), meters in
 * {@link io.streamtune.trainer.TrainerMetrics}.
 */
package io.streamtune.trainer;
