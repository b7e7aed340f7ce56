package io.streamtune.scoring.topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ScoreCache;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * Runs batches of one task on the encoder workers: inputs whose scores under this version are in the
 * {@link ScoreCache} are answered from it, the others (each distinct input once) go to the model in one
 * call; an input the model rejects (an image that does not decode) fails alone and the rest go again in
 * one call; any other failure sends each event alone, so that one bad event costs only itself. The outcome is one
 * {@link BatchOutcome} per event, in order. The batch's model reference is the caller's to release.
 */
final class BatchRunner {
    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);

    private final String task;
    private final ScoringWorkers workers;
    private final ScoringMetrics metrics;
    private final ScoreCache cache;

    BatchRunner(String task, ScoringWorkers workers, ScoringMetrics metrics, ScoreCache cache) {
        this.task = task;
        this.workers = workers;
        this.metrics = metrics;
        this.cache = cache;
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
        int n = inputs.size();
        BatchOutcome[] out = new BatchOutcome[n];
        String[] keys = new String[n];
        // Inputs for the model: each distinct one once; sameAs[i] is the position of input i among them.
        List<ModelInput> toModel = new ArrayList<>(n);
        int[] sameAs = new int[n];
        Arrays.fill(sameAs, -1);
        if (cache.enabled()) {
            Map<String, Integer> first = new HashMap<>();
            long hits = 0;
            for (int i = 0; i < n; i++) {
                keys[i] = cache.key(model, inputs.get(i));
                Classification cached = cache.get(keys[i]);
                if (cached != null) {
                    out[i] = new BatchOutcome.Scored(cached);
                    hits++;
                    continue;
                }
                Integer at = first.putIfAbsent(keys[i], toModel.size());
                if (at == null) {
                    sameAs[i] = toModel.size();
                    toModel.add(inputs.get(i));
                } else {
                    sameAs[i] = at;
                }
            }
            metrics.cacheLookups(task, hits, n - hits);
        } else {
            for (int i = 0; i < n; i++) {
                sameAs[i] = i;
            }
            toModel = inputs;
        }
        if (!toModel.isEmpty()) {
            BatchOutcome[] computed = classify(model, toModel);
            for (int i = 0; i < n; i++) {
                if (out[i] == null) {
                    out[i] = computed[sameAs[i]];
                    if (out[i] instanceof BatchOutcome.Scored s && keys[i] != null) {
                        cache.put(keys[i], s.classification());
                    }
                }
            }
        }
        return Arrays.asList(out);
    }

    /**
     * The model on these inputs in one call. An input the model rejects by its index (an image the worker cannot
     * decode) gets its own outcome and the others go again in one call, so each such input costs one more call;
     * any other failure scores the remaining inputs one by one.
     */
    private BatchOutcome[] classify(ModelHandle model, List<ModelInput> inputs) {
        BatchOutcome[] out = new BatchOutcome[inputs.size()];
        List<Integer> left = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            left.add(i);
        }
        while (!left.isEmpty()) {
            List<ModelInput> call = left.size() == inputs.size()
                    ? inputs
                    : left.stream().map(inputs::get).toList();
            try {
                List<Classification> results = model.classify(call);
                metrics.batch(task, call.size());
                for (int k = 0; k < call.size(); k++) {
                    out[left.get(k)] = new BatchOutcome.Scored(results.get(k));
                }
                return out;
            } catch (InputRejectedException e) {
                if (e.index() < 0 || e.index() >= call.size()) {
                    log.warn(
                            "[scoring task={} version={}] a batch of {} rejected input {}, which it does not hold ({});"
                                    + " scoring its events one by one",
                            task,
                            model.version(),
                            call.size(),
                            e.index(),
                            e.getMessage());
                    break;
                }
                int at = left.remove(e.index());
                out[at] = new BatchOutcome.Failed(
                        e.reason(), e.getMessage(), e.getClass().getName());
                log.debug(
                        "[scoring task={} version={}] input {} of a batch of {} rejected ({}: {}); the others go again",
                        task,
                        model.version(),
                        e.index(),
                        call.size(),
                        e.reason(),
                        e.getMessage());
            } catch (RuntimeException e) {
                log.warn(
                        "[scoring task={} version={}] a batch of {} failed ({}); scoring its events one by one",
                        task,
                        model.version(),
                        call.size(),
                        e.toString());
                break;
            }
        }
        for (int i : left) {
            out[i] = runOne(model, inputs.get(i));
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
