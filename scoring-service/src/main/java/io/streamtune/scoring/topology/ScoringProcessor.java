package io.streamtune.scoring.topology;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Event;
import io.streamtune.common.event.ParseResult;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.model.Classification;
import io.streamtune.common.serde.Json;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ModelRegistry;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * Scores the events of one task, one instance per partition (stream task).
 *
 * <p>Each event is parsed; a rejected one goes to the DLQ at once. A valid one is appended to
 * the buffer store (changelogged: under exactly_once_v2 the buffer writes, the outputs and the
 * input offsets commit in one transaction, so a crash neither loses nor repeats an event). The
 * buffer is cut, oldest first, into batches of {@code batch.size}, as soon as a batch is full (in
 * {@code process}) or when its oldest event has waited {@code batch.maxWait} (wall-clock
 * punctuation); one batch is one encoder call under one model version. While no model version
 * can serve the partition the buffer is the hold-back buffer (see package docs).
 *
 * <p>Batches run on the {@link ScoringWorkers}, so the stream thread goes on reading while the
 * cores encode. A batch's events stay in the buffer store until its predictions are forwarded,
 * which happens on the stream thread, batch after batch in submission order (so in partition
 * order), in {@code process} and at every tick; the prediction and the removal from the buffer
 * belong to the same transaction. A batch still running at a commit is therefore still in the
 * committed buffer: after a crash or a rebalance it is scored again from there, and its earlier
 * result, never forwarded, is dropped with the processor.
 *
 * <p>The last version used is kept in a second changelogged store, so that after a restart or
 * a rebalance a partition never goes back to an older version (unless the task is pinned).
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
    static final String SERVED_VERSION_KEY = "version";
    /** Batches of one partition submitted and not yet forwarded; one more waits for the oldest. */
    static final int MAX_IN_FLIGHT = 4;

    private final TaskConfig task;
    private final RecordParser parser;
    private final ModelRegistry models;
    private final ScoringMetrics metrics;
    private final ScoringWorkers workers;
    private final int batchSize;
    private final long maxWaitMs;
    private final int holdMax;
    private final boolean pinned;
    private final ScoringTopology.Names names;
    private final SinkCapacity capacity;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Long, BufferedEvent> buffer;
    private KeyValueStore<String, Long> served;
    /** Kafka Streams' changelog topic of the buffer store. */
    private String bufferChangelog;
    /** Buffered events not yet in a batch, oldest first (their sequence numbers in the buffer store). */
    private final Deque<Long> waiting = new ArrayDeque<>();
    /** Batches submitted and not yet forwarded, oldest first. */
    private final Deque<Batch> inFlight = new ArrayDeque<>();
    private long nextSeq;
    /** Events in the buffer store: waiting plus in flight. */
    private int count;
    /** The newest version this partition has used (forwarded, or submitted and to be forwarded). */
    private long lastUsed;
    /** The version in the served-version store. */
    private long lastForwarded;

    /** One submitted batch: its buffered events, the model scoring it, and the outcome to come. */
    private record Batch(List<Long> seqs, List<BufferedEvent> buffered, List<Event> events, ModelHandle model,
                         CompletableFuture<List<Object>> outcome) {
    }

    ScoringProcessor(TaskConfig task, RecordParser parser, ModelRegistry models, ScoringMetrics metrics, ScoringWorkers workers,
                     int batchSize, Duration maxWait, int holdMax, ScoringTopology.Names names, SinkCapacity capacity) {
        this.task = task;
        this.parser = parser;
        this.models = models;
        this.metrics = metrics;
        this.workers = workers;
        this.batchSize = batchSize;
        this.maxWaitMs = maxWait.toMillis();
        this.holdMax = holdMax;
        this.pinned = models.pin(task.name()).isPresent();
        this.names = names;
        this.capacity = capacity;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.buffer = context.getStateStore(names.bufferStore());
        this.served = context.getStateStore(names.servedVersionStore());
        this.bufferChangelog = context.applicationId() + "-" + names.bufferStore() + "-changelog";
        // The store survives restarts (changelog): what it holds waits again, in its order.
        waiting.clear();
        inFlight.clear();
        nextSeq = 0;
        try (KeyValueIterator<Long, BufferedEvent> it = buffer.all()) {
            while (it.hasNext()) {
                long seq = it.next().key;
                waiting.add(seq);
                nextSeq = Math.max(nextSeq, seq + 1);
            }
        }
        count = waiting.size();
        Long v = served.get(SERVED_VERSION_KEY);
        lastUsed = v == null ? 0 : v;
        lastForwarded = lastUsed;
        if (count > 0) {
            log.info("[scoring task={} {}] resuming with {} buffered events, last version used v{}", task.name(),
                    context.taskId(), count, lastUsed);
        }
        long tick = Math.max(1, Math.min(maxWaitMs / 2, 50));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.eventReceived(task.name());
        RecordMetadata m = context.recordMetadata().orElse(null);
        String topic = m == null ? task.topics().events() : m.topic();
        int partition = m == null ? -1 : m.partition();
        long offset = m == null ? -1 : m.offset();
        ParseResult<Event> parsed = parser.parseEvent(task.name(), record.key(), record.value(), record.headers());
        long size = RecordParser.recordSize(record.key(), record.value(), record.headers());
        if (parsed.isOk() && !capacity.fits(bufferChangelog, size)) {
            parsed = ParseResult.rejected(Reason.RECORD_TOO_LARGE, "record of " + size + " bytes is over the "
                    + capacity.budget(bufferChangelog) + " bytes that " + bufferChangelog
                    + " was found to take (raise its max.message.bytes)");
        }
        if (!parsed.isOk()) {
            deadLetter(new DeadLetter(topic, partition, offset, record.key(), record.value(), record.headers(),
                    parsed.reason(), parsed.message(), null, dlqBudget()), record.timestamp());
            forwardDone();
            return;
        }
        if (count >= holdMax && !canScore()) {
            deadLetter(new DeadLetter(topic, partition, offset, record.key(), record.value(), record.headers(), Reason.NO_MODEL,
                    "no model version of task " + task.name() + " can serve this partition yet and " + count
                            + " events are already held (scoring.hold.maxEvents)", null, dlqBudget()),
                    record.timestamp());
            return;
        }
        long seq = nextSeq++;
        buffer.put(seq, new BufferedEvent(topic, partition, offset, record.timestamp(), context.currentSystemTimeMs(),
                record.key(), record.value(), new RecordHeaders(record.headers().toArray())));
        waiting.add(seq);
        count++;
        if (waiting.size() >= batchSize) {
            submit(true);
        }
        forwardDone();
    }

    private void punctuate(long now) {
        forwardDone();
        Long oldest = waiting.peekFirst();
        if (oldest != null) {
            BufferedEvent e = buffer.get(oldest);
            if (e == null || now - e.bufferedAtMillis() >= maxWaitMs) {
                submit(false);
                forwardDone();
            }
        }
    }

    /** True when a model version may serve this partition now. */
    private boolean canScore() {
        var v = models.servedVersion(task.name());
        return v.isPresent() && (pinned || v.getAsLong() >= lastUsed);
    }

    /** Cuts waiting events into batches and submits them; with {@code fullOnly} only full batches. */
    private void submit(boolean fullOnly) {
        while (!waiting.isEmpty() && (!fullOnly || waiting.size() >= batchSize)) {
            ModelHandle model = models.acquire(task.name());
            if (model == null) {
                return; // held until a version arrives
            }
            if (!pinned && model.version() < lastUsed) {
                model.release();
                return; // never go back to an older version on this partition
            }
            while (inFlight.size() >= MAX_IN_FLIGHT) {
                forward(inFlight.removeFirst()); // waits for this partition's oldest batch
            }
            submit(take(), model);
        }
    }

    /** The sequence numbers of the next batch, oldest first. */
    private List<Long> take() {
        List<Long> seqs = new ArrayList<>(Math.min(batchSize, waiting.size()));
        while (!waiting.isEmpty() && seqs.size() < batchSize) {
            seqs.add(waiting.removeFirst());
        }
        return seqs;
    }

    /**
     * Submits these buffered events as one batch under {@code model} (whose reference the batch now
     * holds); those that no longer parse (the configuration changed since they were buffered) go to
     * the DLQ instead.
     */
    private void submit(List<Long> candidates, ModelHandle model) {
        List<Long> seqs = new ArrayList<>(candidates.size());
        List<BufferedEvent> buffered = new ArrayList<>(candidates.size());
        List<Event> events = new ArrayList<>(candidates.size());
        for (long seq : candidates) {
            BufferedEvent b = buffer.get(seq);
            if (b == null) { // not expected: the store and the queue change together
                log.warn("[scoring task={} {}] buffered event {} is missing from {}; skipped", task.name(), context.taskId(), seq,
                        names.bufferStore());
                count--;
                continue;
            }
            // Parsing again is cheap next to encoding and keeps the store to the original bytes.
            ParseResult<Event> p = parser.parseEvent(task.name(), b.key(), b.value(), b.headers());
            if (p.isOk()) {
                seqs.add(seq);
                buffered.add(b);
                events.add(p.value());
            } else {
                deadLetter(new DeadLetter(b.topic(), b.partition(), b.offset(), b.key(), b.value(), b.headers(), p.reason(),
                        p.message(), null, dlqBudget()), b.timestamp());
                remove(seq);
            }
        }
        if (seqs.isEmpty()) {
            model.release();
            return;
        }
        List<String> texts = events.stream().map(Event::text).toList();
        CompletableFuture<List<Object>> outcome;
        try {
            outcome = workers.submit(() -> classify(model, texts));
        } catch (InterruptedException e) {
            model.release();
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while waiting for an encoder worker (task " + task.name() + ")", e);
        }
        inFlight.addLast(new Batch(seqs, buffered, events, model, outcome));
        lastUsed = Math.max(lastUsed, model.version());
    }

    /**
     * Runs on a worker: one batch through the classifier; if the batch fails, each event alone,
     * so that one bad event costs only itself. Per event: its {@link Classification} or the
     * {@link RuntimeException} that scoring it threw.
     */
    private List<Object> classify(ModelHandle model, List<String> texts) {
        try {
            List<Classification> results = model.classifier().classify(texts);
            metrics.batch(task.name(), texts.size());
            return new ArrayList<>(results);
        } catch (RuntimeException e) {
            log.warn("[scoring task={} version={}] a batch of {} failed ({}); scoring its events one by one", task.name(),
                    model.version(), texts.size(), e.toString());
        }
        List<Object> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            try {
                out.add(model.classifier().classify(List.of(text)).get(0));
            } catch (RuntimeException ex) {
                out.add(ex);
            }
        }
        return out;
    }

    /** Forwards the finished batches at the head of the queue, in order. */
    private void forwardDone() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().outcome().isDone()) {
            forward(inFlight.removeFirst());
        }
    }

    /** Waits for a batch, forwards its predictions (or dead letters) and removes its events from the buffer. */
    private void forward(Batch batch) {
        List<Object> outcome;
        try {
            outcome = batch.outcome().get();
        } catch (InterruptedException e) {
            batch.model().release();
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while waiting for a batch of task " + task.name(), e);
        } catch (ExecutionException e) {
            // Failures of single events are caught per event; this is the worker itself failing
            // (an Error such as running out of memory): each event of the batch failed with it.
            RuntimeException failure = new IllegalStateException("the encoder worker failed: " + e.getCause(), e.getCause());
            outcome = new ArrayList<>();
            for (int i = 0; i < batch.seqs().size(); i++) {
                outcome.add(failure);
            }
        }
        long version = batch.model().version();
        int predicted = 0;
        try {
            for (int i = 0; i < batch.seqs().size(); i++) {
                BufferedEvent b = batch.buffered().get(i);
                Event e = batch.events().get(i);
                Object result = outcome.get(i);
                if (result instanceof Classification c) {
                    long eventTime = e.ts() > 0 ? e.ts() : b.timestamp();
                    long latency = System.currentTimeMillis() - eventTime;
                    Prediction prediction = new Prediction(e.id(), task.name(), c.label(), c.scores(), version, eventTime, latency,
                            e.attrs());
                    byte[] value = Json.write(prediction);
                    long size = RecordParser.recordSize(b.key(), value, null);
                    if (capacity.fits(task.topics().predictions(), size)) {
                        context.forward(new Record<>(b.key(), value, b.timestamp(), new RecordHeaders()),
                                names.predictionsSink());
                        metrics.latency(task.name(), latency);
                        predicted++;
                    } else {
                        String sink = task.topics().predictions();
                        deadLetter(new DeadLetter(b.topic(), b.partition(), b.offset(), b.key(), b.value(), b.headers(),
                                Reason.RECORD_TOO_LARGE, "its prediction of " + size + " bytes is over the "
                                + capacity.budget(sink) + " bytes that " + sink + " was found to take"
                                + " (raise its max.message.bytes)", null, dlqBudget()), b.timestamp());
                    }
                } else {
                    RuntimeException ex = (RuntimeException) result;
                    deadLetter(new DeadLetter(b.topic(), b.partition(), b.offset(), b.key(), b.value(), b.headers(),
                            Reason.SCORING_FAILED, "model v" + version + " of task " + task.name() + " failed: " + ex,
                            ex.getClass().getName(), dlqBudget()), b.timestamp());
                }
                remove(batch.seqs().get(i));
            }
        } finally {
            batch.model().release();
        }
        metrics.predicted(task.name(), version, predicted);
        if (version != lastForwarded) {
            served.put(SERVED_VERSION_KEY, version);
            lastForwarded = version;
        }
    }

    private void remove(long seq) {
        buffer.delete(seq);
        count--;
    }

    /**
     * Batches in flight are not forwarded: their events are in the buffer store, and whoever owns
     * the partition next (this instance after a restart, or another) scores them from there. Each
     * releases its model when it ends, so a model is never closed under a running batch.
     */
    @Override
    public void close() {
        for (Batch b : inFlight) {
            b.outcome().whenComplete((r, e) -> b.model().release());
        }
        inFlight.clear();
        waiting.clear();
    }

    /** The size budget of a dead letter: limits.recordBytes, or less if the DLQ topic refused a record. */
    private int dlqBudget() {
        return capacity.budget(task.topics().dlq());
    }

    /** The one place a record leaves for the DLQ: one log level per reason, one metric. */
    private void deadLetter(DeadLetter dl, long timestamp) {
        metrics.deadLetter(task.name(), dl.reason());
        if (dl.reason() == Reason.NO_MODEL || dl.reason() == Reason.SCORING_FAILED
                || dl.reason() == Reason.RECORD_TOO_LARGE) {
            log.warn("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        } else {
            log.debug("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        }
        context.forward(new Record<>(dl.key(), dl.value(), timestamp, dl.headers()), names.dlqSink());
    }
}
