package io.streamtune.scoring.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * Runs batches of one task on the encoder workers: the whole batch in one model call; if that fails,
 * each event alone, so that one bad event costs only itself. The outcome is one {@link BatchOutcome}
 * per event, in order. The batch's model reference is the caller's to release.
 */
final class BatchRunner {
    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);

    private final String task;
    private final ScoringWorkers workers;
    private final ScoringMetrics metrics;

    BatchRunner(String task, ScoringWorkers workers, ScoringMetrics metrics) {
        this.task = task;
        this.workers = workers;
        this.metrics = metrics;
    }

    /**
     * Submits a batch (waiting while every worker slot is taken).
     *
     * @throws InterruptedException when interrupted while waiting for a slot
     */
    CompletableFuture<List<BatchOutcome>> submit(ModelHandle model, List<ModelInput> inputs)
            throws InterruptedException {
        return workers.submit(() -> run(model, inputs));
    }

    /** Scores a batch on the calling thread. */
    List<BatchOutcome> run(ModelHandle model, List<ModelInput> inputs) {
        try {
            List<Classification> results = model.classify(inputs);
            metrics.batch(task, inputs.size());
            List<BatchOutcome> out = new ArrayList<>(results.size());
            results.forEach(c -> out.add(new BatchOutcome.Scored(c)));
            return out;
        } catch (RuntimeException e) {
            log.warn(
                    "[scoring task={} version={}] a batch of {} failed ({}); scoring its events one by one",
                    task,
                    model.version(),
                    inputs.size(),
                    e.toString());
        }
        List<BatchOutcome> out = new ArrayList<>(inputs.size());
        for (ModelInput input : inputs) {
            out.add(runOne(model, input));
        }
        return out;
    }

    private BatchOutcome runOne(ModelHandle model, ModelInput input) {
        try {
            return new BatchOutcome.Scored(model.classify(List.of(input)).get(0));
        } catch (InputRejectedException e) {
            return new BatchOutcome.Failed(
                    e.reason(), e.getMessage(), e.getClass().getName());
        } catch (RuntimeException e) {
            return new BatchOutcome.Failed(
                    Reason.SCORING_FAILED,
                    "model v" + model.version() + " of task " + task + " failed: " + e,
                    e.getClass().getName());
        }
    }

    /** Every event of a batch failed with the worker itself (an Error such as running out of memory). */
    static List<BatchOutcome> allFailed(int n, Throwable cause) {
        List<BatchOutcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new BatchOutcome.Failed(
                    Reason.SCORING_FAILED,
                    "the encoder worker failed: " + cause,
                    cause == null ? null : cause.getClass().getName()));
        }
        return out;
    }
}
