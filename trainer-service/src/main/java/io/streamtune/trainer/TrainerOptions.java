package io.streamtune.trainer;

import java.time.Clock;
import java.util.Set;
import java.util.function.Consumer;

import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;

/**
 * How a {@link TrainerService} runs, beyond the configuration file: the clock, which tasks,
 * where encoders come from, and a metrics port that overrides {@code trainer.metricsPort}.
 *
 * <pre>{@code
 * new TrainerService(config, TrainerOptions.defaults().withTasks(Set.of("reviews")).withMetricsPort(0));
 * }</pre>
 *
 * @param tasks        tasks to train; null or empty means every configured task
 * @param metricsPort  overrides {@code trainer.metricsPort} when not null
 * @param encoders     opens the encoder of a task; the service closes what it opens
 * @param beforeCommit called with each decision just before its transaction commits (tests inject faults here)
 */
public record TrainerOptions(Clock clock, Set<String> tasks, Integer metricsPort, EncoderSource encoders,
                             Consumer<ModelEvent> beforeCommit) {

    /** Opens a text encoder; {@link Encoders#open(String, int)} in production. */
    @FunctionalInterface
    public interface EncoderSource {
        TextEncoder open(String encoderId, int maxSequenceLength) throws EncoderException;
    }

    public static TrainerOptions defaults() {
        return new TrainerOptions(Clock.systemUTC(), Set.of(), null, Encoders::open, e -> { });
    }

    public TrainerOptions withClock(Clock c) {
        return new TrainerOptions(c, tasks, metricsPort, encoders, beforeCommit);
    }

    public TrainerOptions withTasks(Set<String> t) {
        return new TrainerOptions(clock, t, metricsPort, encoders, beforeCommit);
    }

    public TrainerOptions withMetricsPort(Integer port) {
        return new TrainerOptions(clock, tasks, port, encoders, beforeCommit);
    }

    public TrainerOptions withEncoders(EncoderSource source) {
        return new TrainerOptions(clock, tasks, metricsPort, source, beforeCommit);
    }

    public TrainerOptions withBeforeCommit(Consumer<ModelEvent> hook) {
        return new TrainerOptions(clock, tasks, metricsPort, encoders, hook);
    }
}
