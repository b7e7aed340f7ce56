package io.streamtune.scoring.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ScoreCache;
import io.streamtune.scoring.monitor.ScoringMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The batch runner with the score cache: what reaches the model, and what comes back. */
class BatchRunnerTest {
    private static final List<String> LABELS = List.of("negative", "positive");

    /** A version whose score of "positive" is {@code positive} for every text; records the texts of each call. */
    private static final class CountingModel implements ModelHandle.Model {
        final double positive;
        final List<List<String>> calls = new ArrayList<>();

        CountingModel(double positive) {
            this.positive = positive;
        }

        @Override
        public List<Classification> classify(List<ModelInput> inputs) {
            calls.add(inputs.stream().map(i -> ((ModelInput.Text) i).text()).toList());
            List<Classification> out = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                if (((ModelInput.Text) inputs.get(i)).text().equals("unreadable")) {
                    throw new InputRejectedException(i, Reason.SCORING_FAILED, "cannot read input " + i, null);
                }
                Map<String, Double> scores = new LinkedHashMap<>();
                scores.put("negative", 1 - positive);
                scores.put("positive", positive);
                int label = positive > 0.5 ? 1 : 0;
                out.add(new Classification(LABELS.get(label), label, scores));
            }
            return out;
        }

        @Override
        public void close() {}
    }

    private static ModelHandle version(long v, CountingModel model) {
        return new ModelHandle(
                new ModelVersion(
                        ModelVersion.FORMAT_VERSION,
                        "reviews",
                        v,
                        null,
                        "fake",
                        "00",
                        LABELS,
                        null,
                        List.of(),
                        0,
                        null),
                model,
                0);
    }

    private static List<ModelInput> texts(String... t) {
        return ModelInput.texts(List.of(t));
    }

    private static Classification scored(BatchOutcome o) {
        return ((BatchOutcome.Scored) o).classification();
    }

    @Test
    void shouldAnswerARepeatedTextFromTheCacheWithTheSameScores() {
        ScoreCache cache = new ScoreCache(100);
        BatchRunner runner = new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), cache);
        CountingModel model = new CountingModel(0.8);
        ModelHandle v1 = version(1, model);
        List<BatchOutcome> first = runner.run(v1, texts("great hotel", "noisy room"));
        List<BatchOutcome> second = runner.run(v1, texts("noisy room", "clean pool"));
        assertEquals(
                List.of(List.of("great hotel", "noisy room"), List.of("clean pool")),
                model.calls,
                "the repeated text did not reach the model again");
        assertSame(scored(first.get(1)), scored(second.get(0)), "the cached classification itself");
        assertEquals(
                Map.of("negative", 1 - 0.8, "positive", 0.8),
                scored(second.get(1)).scores());
        assertEquals(1, cache.hits());
        assertEquals(3, cache.misses());
    }

    @Test
    void shouldNeverServeTheScoresOfThePreviousVersionAfterASwap() {
        ScoreCache cache = new ScoreCache(100);
        BatchRunner runner = new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), cache);
        CountingModel older = new CountingModel(0.9);
        CountingModel newer = new CountingModel(0.2);
        assertEquals(
                "positive",
                scored(runner.run(version(1, older), texts("great hotel")).get(0))
                        .label());
        Classification after =
                scored(runner.run(version(2, newer), texts("great hotel")).get(0));
        assertEquals("negative", after.label(), "scored by v2, not v1's cached scores");
        assertEquals(0.2, after.scores().get("positive"), 1e-12);
        assertEquals(List.of(List.of("great hotel")), newer.calls);
    }

    @Test
    void shouldSendEachDistinctTextOfABatchToTheModelOnceAndAnswerEveryEvent() {
        BatchRunner runner =
                new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), new ScoreCache(100));
        CountingModel model = new CountingModel(0.7);
        List<BatchOutcome> out = runner.run(version(1, model), texts("retweet", "other", "retweet"));
        assertEquals(List.of(List.of("retweet", "other")), model.calls);
        assertEquals(3, out.size());
        assertSame(scored(out.get(0)), scored(out.get(2)));
    }

    @Test
    void shouldSendEveryTextToTheModelWhenTheCacheIsOff() {
        BatchRunner runner =
                new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), ScoreCache.off());
        CountingModel model = new CountingModel(0.7);
        ModelHandle v1 = version(1, model);
        runner.run(v1, texts("retweet", "retweet"));
        runner.run(v1, texts("retweet"));
        assertEquals(List.of(List.of("retweet", "retweet"), List.of("retweet")), model.calls);
    }

    @Test
    void shouldDeadLetterOnlyTheFailingEventAndCacheNoFailure() {
        ScoreCache cache = new ScoreCache(100);
        BatchRunner runner = new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), cache);
        CountingModel model = new CountingModel(0.7);
        ModelHandle v1 = version(1, model);
        List<BatchOutcome> out = runner.run(v1, texts("fine", "unreadable"));
        assertEquals(BatchOutcome.Scored.class, out.get(0).getClass());
        assertEquals(Reason.SCORING_FAILED, ((BatchOutcome.Failed) out.get(1)).reason());
        assertEquals(1, cache.size(), "only the scored text is kept");
        runner.run(v1, texts("unreadable"));
        assertEquals(
                List.of("unreadable"), model.calls.get(model.calls.size() - 1), "a failure is tried again, not cached");
    }

    @Test
    void shouldFailOnlyTheRejectedInputsAndScoreTheOthersInOneCallEach() {
        BatchRunner runner =
                new BatchRunner("reviews", ScoringWorkers.inline(), ScoringMetrics.noop(), ScoreCache.off());
        CountingModel model = new CountingModel(0.7);
        List<BatchOutcome> out = runner.run(version(1, model), texts("a", "unreadable", "b", "unreadable", "c"));
        assertEquals(
                List.of(
                        List.of("a", "unreadable", "b", "unreadable", "c"),
                        List.of("a", "b", "unreadable", "c"),
                        List.of("a", "b", "c")),
                model.calls,
                "each rejected input leaves the batch and the rest go again together, not one by one");
        for (int i : new int[] {1, 3}) {
            BatchOutcome.Failed f = (BatchOutcome.Failed) out.get(i);
            assertEquals(Reason.SCORING_FAILED, f.reason());
            assertEquals(InputRejectedException.class.getName(), f.exceptionClass());
        }
        for (int i : new int[] {0, 2, 4}) {
            assertEquals("positive", scored(out.get(i)).label());
        }
    }
}
