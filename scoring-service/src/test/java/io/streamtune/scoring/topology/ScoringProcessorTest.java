package io.streamtune.scoring.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    /** Versions in service by hand; each classifies "positive" when a text contains "good", and counts its batches. */
    private static final class FakeModels implements ServedModels {
        ModelHandle current;
        Long pin;
        final List<Integer> batches = new ArrayList<>();

        void serve(long version) {
            ModelVersion meta = new ModelVersion(
                    ModelVersion.FORMAT_VERSION, TASK, version, null, "fake", "00", LABELS, null, List.of(), 0, null);
            ModelHandle previous = current;
            current = new ModelHandle(
                    meta,
                    new ModelHandle.Model() {
                        @Override
                        public List<Classification> classify(List<ModelInput> inputs) {
                            batches.add(inputs.size());
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
                BATCH,
                Duration.ofMillis(MAX_WAIT_MS),
                HOLD,
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
        assertEquals(List.of(3, 1, 1, 1), models.batches, "the batch failed, then each event alone");
    }
}
