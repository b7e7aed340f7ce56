package io.streamtune.trainer.window;

import java.util.List;

import io.streamtune.common.event.Example;
import io.streamtune.common.model.WindowRange;

/**
 * An immutable snapshot of a task's window at the moment it retrains.
 *
 * @param training    the most recent examples outside the holdout, oldest first
 * @param holdout     the most recent holdout examples, oldest first; champion and challenger are scored on these
 * @param ranges      per partition, the offsets consumed since the parent version (see {@link TaskWindow})
 * @param newExamples valid examples consumed since the last attempt
 * @param trigger     why the task retrains now: {@code retrainEvery}, {@code maxWait} or {@code drift (...)}
 *                    ({@link TaskWindow#trigger}); null when it is not due
 */
public record TrainingWindow(
        List<Example> training, List<Example> holdout, List<WindowRange> ranges, long newExamples, String trigger) {
    public TrainingWindow {
        training = List.copyOf(training);
        holdout = List.copyOf(holdout);
        ranges = List.copyOf(ranges);
    }

    /** Valid examples in the ranges, i.e. examples this version is the first to cover. */
    public long coveredExamples() {
        return ranges.stream().mapToLong(WindowRange::count).sum();
    }
}
