package io.streamtune.trainer;

import java.time.Clock;
import java.util.Set;
import java.util.function.Consumer;

import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.runtime.Backbones;

/**
 * How a {@link TrainerService} runs, beyond the configuration file: the clock, which tasks, the
 * backbones it trains on, and a metrics port that overrides {@code trainer.metricsPort}.
 *
 * <pre>{@code
 * new TrainerService(config, TrainerOptions.defaults().withTasks(Set.of("reviews")).withMetricsPort(0));
 * }</pre>
 *
 * @param tasks        tasks to train; null or empty means every configured task
 * @param metricsPort  overrides {@code trainer.metricsPort} when not null
 * @param backbones    backbones shared with the caller (tests and the demo open encoders once); null: the
 *                     service opens and closes its own
 * @param beforeCommit called with each decision just before its transaction commits (tests inject faults here)
 */
public record TrainerOptions(
        Clock clock, Set<String> tasks, Integer metricsPort, Backbones backbones, Consumer<ModelEvent> beforeCommit) {

    public static TrainerOptions defaults() {
        return new TrainerOptions(Clock.systemUTC(), Set.of(), null, null, e -> {});
    }

    public TrainerOptions withClock(Clock c) {
        return new TrainerOptions(c, tasks, metricsPort, backbones, beforeCommit);
    }

    public TrainerOptions withTasks(Set<String> t) {
        return new TrainerOptions(clock, t, metricsPort, backbones, beforeCommit);
    }

    public TrainerOptions withMetricsPort(Integer port) {
        return new TrainerOptions(clock, tasks, port, backbones, beforeCommit);
    }

    /** Backbones the caller owns and closes; the service leaves them open. */
    public TrainerOptions withBackbones(Backbones shared) {
        return new TrainerOptions(clock, tasks, metricsPort, shared, beforeCommit);
    }

    public TrainerOptions withBeforeCommit(Consumer<ModelEvent> hook) {
        return new TrainerOptions(clock, tasks, metricsPort, backbones, hook);
    }
}
