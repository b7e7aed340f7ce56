package io.streamtune.scoring.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.common.serde.Json;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ScoreCache;
import io.streamtune.scoring.model.ServedModels;
import io.streamtune.scoring.monitor.ScoringMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scoring processor alone, Kafka Streams' {@code MockProcessorContext} pattern: a fake model at the
 * {@link ServedModels} seam, stores in memory, punctuation driven by hand on the mock's wall clock.
 */
class ScoringProcessorTest {
    private static final String TASK = "reviews";
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final int BATCH = 3;
    private static final long MAX_WAIT_MS = 20;
    private static final int HOLD = 4;

    /**
     * Versions in service by hand; each classifies "positive" when a text contains "good", counts its batches
     * (and the ids of their texts' first words), and costs one token per word. A call waits while {@code gate}
     * is closed.
     */
    private static final class FakeModels implements ServedModels {
        ModelHandle current;
        Long pin;
        final List<Integer> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<List<String>> batchTexts = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** When set, only batches with a text containing this word wait for {@link #gate}. */
        volatile String gatedWord;

        void serve(long version) {
            ModelVersion meta = new ModelVersion(
                    ModelVersion.FORMAT_VERSION, TASK, version, null, "fake", "00", LABELS, null, List.of(), 0, null);
            ModelHandle previous = current;
            current = new ModelHandle(
                    meta,
                    new ModelHandle.Model() {
                        @Override
                        public List<Classification> classify(List<ModelInput> inputs) {
                            try {
                                String word = gatedWord;
                                if (word == null
                                        || inputs.stream()
                                                .anyMatch(in -> ((ModelInput.Text) in)
                                                        .text()
                                                        .contains(word))) {
                                    gate.await();
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IllegalStateException(e);
                            }
                            batches.add(inputs.size());
                            batchTexts.add(inputs.stream()
                                    .map(in -> ((ModelInput.Text) in).text())
                                    .toList());
                            List<Classification> out = new ArrayList<>();
                            for (int i = 0; i < inputs.size(); i++) {
                                String text = ((ModelInput.Text) inputs.get(i)).text();
                                if (text.contains("unreadable")) {
                                    throw new InputRejectedException(
                                            i, Reason.IMAGE_UNDECODABLE, "cannot read input " + i, null);
                                }
                                int label = text.contains("good") ? 1 : 0;
                                Map<String, Double> scores = new LinkedHashMap<>();
                                scores.put(LABELS.get(0), label == 0 ? 0.9 : 0.1);
                                scores.put(LABELS.get(1), label == 1 ? 0.9 : 0.1);
                                out.add(new Classification(LABELS.get(label), label, scores));
                            }
                            return out;
                        }

                        @Override
                        public int tokens(ModelInput input) {
                            return ((ModelInput.Text) input).text().split(" ").length;
                        }

                        @Override
                        public void close() {}
                    },
                    0);
            if (previous != null) {
                previous.release();
            }
        }

        @Override
        public ModelHandle acquire(String task) {
            return current != null && current.tryRetain() ? current : null;
        }

        @Override
        public OptionalLong servedVersion(String task) {
            return current == null ? OptionalLong.empty() : OptionalLong.of(current.version());
        }

        @Override
        public OptionalLong pin(String task) {
            return pin == null ? OptionalLong.empty() : OptionalLong.of(pin);
        }
    }

    private final FakeModels models = new FakeModels();
    private final ScoringMetrics metrics = ScoringMetrics.noop();
    private ScoringWorkers workers;
    private MockProcessorContext<byte[], byte[]> context;
    private ScoringProcessor processor;
    private long offset;

    @BeforeEach
    void setUp() throws Exception {
        workers = ScoringWorkers.inline();
    }

    @AfterEach
    void tearDown() {
        if (processor != null) {
            processor.close();
        }
        workers.close();
    }

    /** A fresh processor over the given stores (a restart keeps them, as their changelogs would). */
    private void start(KeyValueStore<Long, BufferedEvent> buffer, KeyValueStore<String, Long> served) throws Exception {
        start(buffer, served, new ScoringTopology.BatchPolicy(BATCH, Duration.ofMillis(MAX_WAIT_MS), HOLD));
    }

    /** A fresh processor with this batch policy. */
    private void start(
            KeyValueStore<Long, BufferedEvent> buffer,
            KeyValueStore<String, Long> served,
            ScoringTopology.BatchPolicy policy)
            throws Exception {
        StreamtuneConfig config =
                StreamtuneConfig.parse("tasks: [{name: reviews, labels: [negative, positive]}]", Map.of(), Map.of());
        ScoringTopology.Names names = new ScoringTopology.Names(TASK);
        long now = context == null ? 1_000_000L : context.currentSystemTimeMs();
        context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(now);
        buffer.init(context.getStateStoreContext(), buffer);
        served.init(context.getStateStoreContext(), served);
        context.addStateStore(buffer);
        context.addStateStore(served);
        processor = new ScoringProcessor(
                config.tasks().get(TASK),
                RecordParser.of(config),
                models,
                metrics,
                workers,
                policy,
                ScoreCache.off(),
                names,
                new SinkCapacity(config.limits()));
        processor.init(context);
    }

    private static KeyValueStore<Long, BufferedEvent> bufferStore() {
        return Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(new ScoringTopology.Names(TASK).bufferStore()),
                        Serdes.Long(),
                        BufferedEvent.serde())
                .withLoggingDisabled()
                .build();
    }

    private static KeyValueStore<String, Long> servedStore() {
        return Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(new ScoringTopology.Names(TASK).servedVersionStore()),
                        Serdes.String(),
                        Serdes.Long())
                .withLoggingDisabled()
                .build();
    }

    private void event(String id, String text) {
        context.setRecordMetadata(TASK + ".events", 0, offset++);
        byte[] value = ("{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
        processor.process(new Record<>(id.getBytes(StandardCharsets.UTF_8), value, 1_000L));
    }

    private void malformed() {
        context.setRecordMetadata(TASK + ".events", 0, offset++);
        processor.process(new Record<>(
                "m".getBytes(StandardCharsets.UTF_8), "not json".getBytes(StandardCharsets.UTF_8), 1_000L));
    }

    private void tick(long advanceMs) {
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + advanceMs);
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(context.currentSystemTimeMs()));
    }

    private List<Prediction> predictions() throws Exception {
        List<Prediction> out = new ArrayList<>();
        for (var f : context.forwarded()) {
            if (f.childName().orElseThrow().startsWith("predictions-")) {
                out.add(Json.read(f.record().value(), Prediction.class));
            }
        }
        return out;
    }

    private List<Record<? extends byte[], ? extends byte[]>> deadLetters() {
        List<Record<? extends byte[], ? extends byte[]>> out = new ArrayList<>();
        for (var f : context.forwarded()) {
            if (f.childName().orElseThrow().startsWith("dlq-")) {
                out.add(f.record());
            }
        }
        return out;
    }

    @Test
    void shouldScoreAFullBatchInOneCallAndForwardItsPredictionsInOrder() throws Exception {
        start(bufferStore(), servedStore());
        models.serve(1);
        event("a", "good room");
        event("b", "bad room");
        event("c", "good food");
        assertEquals(List.of(3), models.batches, "one model call for the full batch");
        assertEquals(
                List.of("a", "b", "c"),
                predictions().stream().map(Prediction::id).toList());
        assertEquals(
                List.of("positive", "negative", "positive"),
                predictions().stream().map(Prediction::label).toList());
        assertTrue(predictions().stream().allMatch(p -> p.modelVersion() == 1), "each prediction names its version");
    }

    @Test
    void shouldCutAPartBatchWhenItsOldestEventHasWaitedMaxWait() throws Exception {
        start(bufferStore(), servedStore());
        models.serve(1);
        event("a", "good room");
        event("b", "bad room");
        tick(MAX_WAIT_MS - 1);
        assertEquals(List.of(), models.batches, "younger than batch.maxWait: still waiting for a full batch");
        tick(1);
        assertEquals(List.of(2), models.batches);
        assertEquals(
                List.of("a", "b"), predictions().stream().map(Prediction::id).toList());
    }

    @Test
    void shouldHoldEventsUntilAVersionServesThenDeadLetterBeyondTheHoldLimit() throws Exception {
        start(bufferStore(), servedStore());
        for (int i = 0; i < HOLD; i++) {
            event("h" + i, "good " + i);
        }
        tick(MAX_WAIT_MS);
        assertEquals(HOLD, metrics.heldEvents(TASK), "held, and counted for /health");
        event("over", "one too many");
        assertEquals(
                List.of(Reason.NO_MODEL.name()),
                deadLetters().stream()
                        .map(r -> DeadLetter.header(r.headers(), DeadLetter.REASON))
                        .toList());
        models.serve(1);
        tick(MAX_WAIT_MS);
        assertEquals(
                List.of("h0", "h1", "h2", "h3"),
                predictions().stream().map(Prediction::id).toList(),
                "held events, in order");
        assertEquals(0, metrics.heldEvents(TASK));
    }

    @Test
    void shouldNeverGoBackToAnOlderVersionAfterARestartUnlessPinned() throws Exception {
        KeyValueStore<Long, BufferedEvent> buffer = bufferStore();
        KeyValueStore<String, Long> served = servedStore();
        start(buffer, served);
        models.serve(5);
        event("a", "good");
        event("b", "good");
        event("c", "good");
        processor.close();
        // Restart on an instance whose registry has only v3 (a rebalance onto an instance behind this one).
        start(buffer, served);
        models.serve(3);
        event("d", "good");
        tick(MAX_WAIT_MS);
        assertEquals(List.of(), predictions(), "v3 is older than the v5 this partition used");
        assertEquals(1, metrics.heldEvents(TASK));
        models.pin = 3L;
        processor.close();
        start(buffer, served);
        tick(MAX_WAIT_MS);
        assertEquals(
                List.of("d"),
                predictions().stream().map(Prediction::id).toList(),
                "a pin moves a partition back on purpose");
        assertEquals(3, predictions().get(0).modelVersion());
    }

    @Test
    void shouldSkipRecordsReadAgainBelowThePartitionsCommittedProgress() throws Exception {
        KeyValueStore<Long, BufferedEvent> buffer = bufferStore();
        KeyValueStore<String, Long> served = servedStore();
        start(buffer, served);
        models.serve(1);
        event("a", "good");
        event("b", "good");
        malformed(); // a dead letter is taken too
        tick(MAX_WAIT_MS);
        assertEquals(
                List.of("a", "b"), predictions().stream().map(Prediction::id).toList());
        assertEquals(1, deadLetters().size());
        assertEquals(3L, served.get(ScoringProcessor.NEXT_OFFSET_KEY), "the offset after the last record taken");
        processor.close();
        // The stores as their changelogs restore them, and the consumer placed back at offset 1 (a stale committed
        // offset).
        start(buffer, served);
        offset = 1;
        event("b", "good");
        malformed();
        event("c", "good");
        tick(MAX_WAIT_MS);
        assertEquals(List.of("c"), predictions().stream().map(Prediction::id).toList(), "b is not scored twice");
        assertEquals(List.of(), deadLetters(), "nor dead-lettered twice");
        assertEquals(
                2.0,
                metrics.registry()
                        .find(io.streamtune.scoring.monitor.ScoringMetrics.ALREADY_SCORED)
                        .counter()
                        .count());
        assertEquals(4L, served.get(ScoringProcessor.NEXT_OFFSET_KEY));
    }

    @Test
    void shouldDeadLetterOnlyTheEventTheModelCannotUseWithItsReason() throws Exception {
        start(bufferStore(), servedStore());
        models.serve(1);
        event("a", "good");
        event("x", "unreadable");
        event("c", "bad");
        assertEquals(
                List.of("a", "c"), predictions().stream().map(Prediction::id).toList());
        List<Record<? extends byte[], ? extends byte[]>> dl = deadLetters();
        assertEquals(1, dl.size());
        assertEquals(
                Reason.IMAGE_UNDECODABLE.name(), DeadLetter.header(dl.get(0).headers(), DeadLetter.REASON));
        assertEquals("x", new String(dl.get(0).key(), StandardCharsets.UTF_8));
        assertEquals(List.of(3, 2), models.batches, "the batch failed on x, then the others in one call");
    }
    /** Words: one token each in the fake model. */
    private static String words(String first, int n) {
        return first + " word".repeat(n - 1);
    }

    @Test
    void shouldCutBatchesByTheTokenBudgetAndForwardPredictionsInPartitionOrder() throws Exception {
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(8, Duration.ofMillis(MAX_WAIT_MS), 100, 10, BatchWait.FIXED, 0));
        models.serve(1);
        // Tokens 6, 2, 1, 6, 1, 1, 1 with a budget of 10: [6 2 1] is cut when the next 6 arrives, [6 1 1 1] waits.
        event("a", words("good", 6));
        event("b", words("bad", 2));
        event("c", "good");
        assertEquals(List.of(), models.batches, "9 of 10 tokens: not full yet");
        event("d", words("bad", 6));
        assertEquals(List.of(3), models.batches, "cut as soon as the budget is reached, before the next event");
        event("e", "good");
        event("f", "bad");
        event("g", "good");
        tick(MAX_WAIT_MS);
        assertEquals(List.of(3, 4), models.batches);
        assertEquals(
                List.of("a", "b", "c", "d", "e", "f", "g"),
                predictions().stream().map(Prediction::id).toList(),
                "predictions in the partition's order");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldForwardInPartitionOrderWhenALaterBatchCutByTokensFinishesFirst() throws Exception {
        workers.close();
        workers = ScoringWorkers.start(2);
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(8, Duration.ofMillis(MAX_WAIT_MS), 100, 10, BatchWait.FIXED, 0));
        models.serve(1);
        models.gatedWord = "slow";
        models.gate = new CountDownLatch(1); // the first batch blocks on its worker until opened
        event("a", words("slow", 6));
        event("b", words("bad", 4)); // 10 of 10 tokens: [a b] is cut
        event("c", "good");
        event("d", words("bad", 9)); // 10 of 10 tokens: [c d] is cut and goes to the other worker
        while (models.batches.isEmpty()) {
            Thread.sleep(5);
        }
        // The one free worker runs this only after [c d]'s future (and what depends on it) has completed.
        workers.submit(() -> 0).get(10, TimeUnit.SECONDS);
        tick(0);
        assertEquals(List.of(2), models.batches, "[c d] scored while [a b] is still on its worker");
        assertEquals(List.of(), predictions(), "c and d wait for a and b, which came first in the partition");
        models.gate.countDown();
        awaitForwarded(4);
        assertEquals(
                List.of("a", "b", "c", "d"),
                predictions().stream().map(Prediction::id).toList());
    }

    @Test
    void shouldCountTokensOfHeldEventsWhenTheirBatchIsCut() throws Exception {
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(8, Duration.ofMillis(MAX_WAIT_MS), 100, 10, BatchWait.FIXED, 0));
        // No version yet: arriving events cannot be counted; the batches are cut by tokens once one serves.
        for (String id : List.of("a", "b", "c", "d")) {
            event(id, words("good", 4));
        }
        models.serve(1);
        tick(MAX_WAIT_MS);
        assertEquals(List.of(2, 2), models.batches, "4 + 4 tokens per batch; a third event would go over 10");
        assertEquals(
                List.of("a", "b", "c", "d"),
                predictions().stream().map(Prediction::id).toList());
    }

    @Test
    void shouldTakeOneEventOverTheTokenBudgetAsABatchOfItsOwn() throws Exception {
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(8, Duration.ofMillis(MAX_WAIT_MS), 100, 10, BatchWait.FIXED, 0));
        models.serve(1);
        event("long", words("good", 30));
        event("short", "bad");
        tick(MAX_WAIT_MS);
        assertEquals(List.of(1, 1), models.batches);
        assertEquals(
                List.of("long", "short"),
                predictions().stream().map(Prediction::id).toList());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldSendAShortQueueAtOnceWhenAnEncoderWorkerIsIdle() throws Exception {
        workers.close();
        workers = ScoringWorkers.start(1);
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(BATCH, Duration.ofMillis(MAX_WAIT_MS), HOLD, 0, BatchWait.ADAPTIVE, 0));
        models.serve(1);
        event("a", "good room");
        awaitForwarded(1);
        assertEquals(List.of(1), models.batches, "one event, sent at once: the worker had nothing to do");
        assertEquals(List.of("a"), predictions().stream().map(Prediction::id).toList());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldLetEventsFillABatchWhileEveryEncoderWorkerIsBusy() throws Exception {
        workers.close();
        workers = ScoringWorkers.start(1);
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(BATCH, Duration.ofMillis(MAX_WAIT_MS), HOLD, 0, BatchWait.ADAPTIVE, 0));
        models.serve(1);
        models.gate = new CountDownLatch(1); // the worker's first batch blocks until opened
        event("a", "good");
        event("b", "bad");
        event("c", "good");
        event("d", "bad");
        models.gate.countDown();
        awaitForwarded(4);
        assertEquals(
                List.of(1, 3),
                models.batches,
                "[a] went at once; b, c, d waited for the busy worker and filled a batch");
        assertEquals(
                List.of("a", "b", "c", "d"),
                predictions().stream().map(Prediction::id).toList());
    }

    @Test
    void shouldWaitForMaxWaitWithAFixedBatchWaitEvenWhenAWorkerIsIdle() throws Exception {
        workers.close();
        workers = ScoringWorkers.start(1);
        start(
                bufferStore(),
                servedStore(),
                new ScoringTopology.BatchPolicy(BATCH, Duration.ofMillis(MAX_WAIT_MS), HOLD, 0, BatchWait.FIXED, 0));
        models.serve(1);
        event("a", "good room");
        tick(MAX_WAIT_MS - 1);
        assertEquals(0, workers.pending());
        assertEquals(List.of(), models.batches, "fixed: nothing goes before batch.maxWait");
    }

    /** Ticks without moving the clock until {@code n} predictions are forwarded (batches finish on the worker). */
    private void awaitForwarded(int n) throws Exception {
        while (predictions().size() < n) {
            Thread.sleep(5);
            tick(0);
        }
    }
}
