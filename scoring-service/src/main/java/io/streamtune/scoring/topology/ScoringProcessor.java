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
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.serde.Json;
import io.streamtune.scoring.model.ModelHandle;
import io.streamtune.scoring.model.ScoreCache;
import io.streamtune.scoring.model.ServedModels;
import io.streamtune.scoring.model.ServingPolicy;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * Scores the events of one task, one instance per partition (stream task).
 *
 * <p>Each event is parsed; a rejected one goes to the DLQ at once. A valid one is appended to the
 * {@link EventBuffer} (changelogged) with its token count. The buffer is cut, oldest first, into batches
 * of at most {@code batch.size} events and {@code batch.maxTokens} tokens
 * ({@link ScoringTopology.BatchPolicy#cut}): as soon as a batch is full (in {@code process}); with
 * {@link BatchWait#ADAPTIVE} also as soon as an encoder worker is idle, whatever waits; and in any case
 * when the oldest event has waited {@code batch.maxWait} (wall-clock punctuation). One batch is one
 * model call under one version.
 * While no model version may serve the partition ({@link ServingPolicy}) the buffer is the hold-back
 * buffer: events wait, and beyond {@code hold.maxEvents} new ones go to the DLQ with NO_MODEL.
 *
 * <p>Batches run on the encoder workers ({@link BatchRunner}), so the stream thread goes on reading
 * while the cores encode. A batch's events stay in the buffer until its predictions are forwarded, which
 * happens on the stream thread, batch after batch in submission order (so in partition order), in
 * {@code process} and at every tick; the prediction and the removal from the buffer belong to the same
 * transaction. A batch still running at a commit is therefore still in the committed buffer: after a
 * crash or a rebalance it is scored again from there, and its earlier result, never forwarded, is
 * dropped with the processor.
 *
 * <p>The last version used is kept in a second changelogged store, so that after a restart or a
 * rebalance a partition never goes back to an older version (unless the task is pinned).
 *
 * <p>The same store keeps the partition's progress: the offset after the last input record taken
 * (buffered or dead-lettered), written in the transaction that takes it. A record read again below
 * that offset was already taken by a committed transaction, so it is skipped (counted in
 * {@code streamtune.scoring.events.already.scored}, logged) instead of being scored twice. This happens
 * when the group's committed offset is behind the partition's committed outputs, as the group
 * coordinator answered after a broker crash on Kafka 4.3.1 (docs/DESIGN-NOTES.md, "Records read again"); the changelog,
 * an ordinary transactional topic, still holds the true progress.
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
    static final String SERVED_VERSION_KEY = "version";
    /** Key, in the served-version store, of the offset after the last input record this partition took. */
    static final String NEXT_OFFSET_KEY = "next-input-offset";
    /** Batches of one partition submitted and not yet forwarded; one more waits for the oldest. */
    static final int MAX_IN_FLIGHT = 4;

    private final TaskConfig task;
    private final RecordParser parser;
    private final ServedModels models;
    private final ScoringMetrics metrics;
    private final BatchRunner runner;
    private final ScoringWorkers workers;
    private final ScoringTopology.BatchPolicy policy;
    private final long maxWaitMs;
    private final int holdMax;
    private final boolean pinned;
    private final ScoringTopology.Names names;
    private final SinkCapacity capacity;

    private ProcessorContext<byte[], byte[]> context;
    private EventBuffer buffer;
    private KeyValueStore<String, Long> served;
    /** Batches submitted and not yet forwarded, oldest first. */
    private final Deque<Batch> inFlight = new ArrayDeque<>();
    /** The newest version this partition has used (forwarded, or submitted and to be forwarded). */
    private long lastUsed;
    /** The version in the served-version store. */
    private long lastForwarded;

    private String partitionKey;
    /** Kafka Streams' changelog topic of the buffer store. */
    private String bufferChangelog;
    /** The offset after the last input record taken, as committed with it; -1 when none was taken yet. */
    private long nextOffset;
    /** Records skipped since init because they were taken before, and the first of them (-1: none). */
    private long skipped;

    private long firstSkipped = -1;

    /** One submitted batch: its buffered events, the model scoring it, and the outcome to come. */
    private record Batch(
            List<Long> seqs,
            List<BufferedEvent> buffered,
            List<Event> events,
            ModelHandle model,
            CompletableFuture<List<BatchOutcome>> outcome) {}

    /** Which waiting events a call of {@link #submit(Cut)} sends. */
    private enum Cut {
        /** Full batches only. */
        FULL,
        /** Full batches, and a partial one while an encoder worker is idle. */
        IDLE,
        /** Everything that waits. */
        ALL
    }

    ScoringProcessor(
            TaskConfig task,
            RecordParser parser,
            ServedModels models,
            ScoringMetrics metrics,
            ScoringWorkers workers,
            ScoringTopology.BatchPolicy policy,
            ScoreCache cache,
            ScoringTopology.Names names,
            SinkCapacity capacity) {
        this.task = task;
        this.parser = parser;
        this.models = models;
        this.metrics = metrics;
        this.workers = workers;
        this.runner = new BatchRunner(task.name(), workers, metrics, cache);
        this.policy = policy;
        this.maxWaitMs = policy.maxWait().toMillis();
        this.holdMax = policy.holdMaxEvents();
        this.pinned = models.pin(task.name()).isPresent();
        this.names = names;
        this.capacity = capacity;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.buffer = new EventBuffer(context.getStateStore(names.bufferStore()));
        this.served = context.getStateStore(names.servedVersionStore());
        this.partitionKey = context.taskId().toString();
        this.bufferChangelog = context.applicationId() + "-" + names.bufferStore() + "-changelog";
        inFlight.clear();
        // The store survives restarts (changelog): what it holds waits again, in its order.
        int restored = buffer.restore();
        Long v = served.get(SERVED_VERSION_KEY);
        lastUsed = v == null ? 0 : v;
        lastForwarded = lastUsed;
        Long next = served.get(NEXT_OFFSET_KEY);
        nextOffset = next == null ? -1 : next;
        skipped = 0;
        firstSkipped = -1;
        if (restored > 0) {
            log.info(
                    "[scoring task={} {}] resuming with {} buffered events, last version used v{}",
                    task.name(),
                    context.taskId(),
                    restored,
                    lastUsed);
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
        if (offset >= 0 && offset < nextOffset) {
            alreadyTaken(topic, partition, offset);
            return;
        }
        if (skipped > 0) {
            log.warn(
                    "[scoring task={} {}] skipped {} records of {}-{} at offsets {}..{}, taken before by"
                            + " committed transactions; scoring resumes at offset {}",
                    task.name(),
                    context.taskId(),
                    skipped,
                    topic,
                    partition,
                    firstSkipped,
                    nextOffset - 1,
                    offset);
            skipped = 0;
        }
        take(record, topic, partition, offset);
        if (offset >= 0) {
            // Same transaction as the buffer write or the dead letter: the progress commits with what it records.
            nextOffset = offset + 1;
            served.put(NEXT_OFFSET_KEY, nextOffset);
        }
    }

    /**
     * A record below this partition's committed progress: the consumer was positioned behind it (the group's
     * committed offset is older than the outputs committed with later offsets). Skipped, not scored twice.
     */
    private void alreadyTaken(String topic, int partition, long offset) {
        if (skipped == 0) {
            firstSkipped = offset;
            log.warn(
                    "[scoring task={} {}] read {}-{} from offset {}, but this partition's committed state has"
                            + " taken every record below {}: the group's committed offset is behind its committed"
                            + " outputs (a stale answer of the group coordinator after a broker restart, or offsets"
                            + " moved back by hand); skipping those records instead of scoring them twice",
                    task.name(),
                    context.taskId(),
                    topic,
                    partition,
                    offset,
                    nextOffset);
        }
        skipped++;
        metrics.alreadyScored(task.name());
        forwardDone();
    }

    /** Parses a new record and buffers it, or sends it to the DLQ. */
    private void take(Record<byte[], byte[]> record, String topic, int partition, long offset) {
        ParseResult<Event> parsed = parser.parseEvent(task.name(), record.key(), record.value(), record.headers());
        long size = RecordParser.recordSize(record.key(), record.value(), record.headers());
        if (parsed.isOk() && !capacity.fits(bufferChangelog, size)) {
            parsed = ParseResult.rejected(
                    Reason.RECORD_TOO_LARGE,
                    "record of " + size + " bytes is over the "
                            + capacity.budget(bufferChangelog) + " bytes that " + bufferChangelog
                            + " was found to take (raise its max.message.bytes)");
        }
        if (!parsed.isOk()) {
            deadLetter(
                    new DeadLetter(
                            topic,
                            partition,
                            offset,
                            record.key(),
                            record.value(),
                            record.headers(),
                            parsed.reason(),
                            parsed.message(),
                            null,
                            dlqBudget()),
                    record.timestamp());
            forwardDone();
            return;
        }
        if (buffer.size() >= holdMax && !canScore()) {
            deadLetter(
                    new DeadLetter(
                            topic,
                            partition,
                            offset,
                            record.key(),
                            record.value(),
                            record.headers(),
                            Reason.NO_MODEL,
                            "no model version of task " + task.name() + " can serve this partition yet and "
                                    + buffer.size() + " events are already held (scoring.hold.maxEvents)",
                            null,
                            dlqBudget()),
                    record.timestamp());
            return;
        }
        buffer.append(
                new BufferedEvent(
                        topic,
                        partition,
                        offset,
                        record.timestamp(),
                        context.currentSystemTimeMs(),
                        record.key(),
                        record.value(),
                        new RecordHeaders(record.headers().toArray())),
                tokensOnArrival(parsed.value()));
        submit(policy.waitPolicy() == BatchWait.ADAPTIVE ? Cut.IDLE : Cut.FULL);
        forwardDone();
    }

    private void punctuate(long now) {
        forwardDone();
        BufferedEvent oldest = buffer.oldestWaiting();
        if (buffer.waiting() > 0 && (oldest == null || now - oldest.bufferedAtMillis() >= maxWaitMs)) {
            submit(Cut.ALL);
            forwardDone();
        } else if (policy.waitPolicy() == BatchWait.ADAPTIVE && buffer.waiting() > 0) {
            submit(Cut.IDLE);
        }
        metrics.held(task.name(), partitionKey, canScore() ? 0 : buffer.size());
    }

    /**
     * Tokens of an arriving event under the version in service, when batches are cut by tokens; unknown
     * while no version is in service (counted when its batch is cut). Counting tokenises the text once
     * on the stream thread; the encoder keeps the ids and does not tokenise it again.
     */
    private int tokensOnArrival(Event e) {
        if (policy.maxTokens() <= 0) {
            return EventBuffer.UNKNOWN;
        }
        if (e.text() == null) {
            return 0; // not counted in tokens: images are batched by count
        }
        ModelHandle model = models.acquire(task.name());
        if (model == null) {
            return EventBuffer.UNKNOWN;
        }
        try {
            return model.tokens(new ModelInput.Text(e.text()));
        } finally {
            model.release();
        }
    }

    /** Whether the waiting events make a full batch: by count, or by tokens. */
    private boolean full() {
        return buffer.waiting() >= policy.size()
                || (policy.maxTokens() > 0 && buffer.waitingTokens() >= policy.maxTokens());
    }

    /** True when a model version may serve this partition now. */
    private boolean canScore() {
        var v = models.servedVersion(task.name());
        return v.isPresent() && ServingPolicy.mayScore(v.getAsLong(), lastUsed, pinned);
    }

    /** Cuts waiting events into batches and submits them, as many as {@code cut} says. */
    private void submit(Cut cut) {
        while (buffer.waiting() > 0
                && switch (cut) {
                    case FULL -> full();
                    case IDLE -> full() || workers.idle();
                    case ALL -> true;
                }) {
            ModelHandle model = models.acquire(task.name());
            if (model == null) {
                return; // held until a version arrives
            }
            if (!ServingPolicy.mayScore(model.version(), lastUsed, pinned)) {
                model.release();
                return; // never go back to an older version on this partition
            }
            while (inFlight.size() >= MAX_IN_FLIGHT) {
                forward(inFlight.removeFirst()); // waits for this partition's oldest batch
            }
            submit(buffer.take(policy, seq -> tokensWhenCut(seq, model)), model);
        }
    }

    /** Tokens of a buffered event not counted on arrival; 0 when it no longer parses (it is dead-lettered next). */
    private int tokensWhenCut(long seq, ModelHandle model) {
        BufferedEvent b = buffer.get(seq);
        if (b == null) {
            return 0;
        }
        ParseResult<Event> p = parser.parseEvent(task.name(), b.key(), b.value(), b.headers());
        return p.isOk() && p.value().text() != null
                ? model.tokens(new ModelInput.Text(p.value().text()))
                : 0;
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
            if (b == null) {
                log.warn(
                        "[scoring task={} {}] buffered event {} is missing from {}; skipped",
                        task.name(),
                        context.taskId(),
                        seq,
                        names.bufferStore());
                buffer.remove(seq);
                continue;
            }
            // Parsing again is cheap next to encoding and keeps the store to the original bytes.
            ParseResult<Event> p = parser.parseEvent(task.name(), b.key(), b.value(), b.headers());
            if (p.isOk()) {
                seqs.add(seq);
                buffered.add(b);
                events.add(p.value());
            } else {
                deadLetter(
                        new DeadLetter(
                                b.topic(),
                                b.partition(),
                                b.offset(),
                                b.key(),
                                b.value(),
                                b.headers(),
                                p.reason(),
                                p.message(),
                                null,
                                dlqBudget()),
                        b.timestamp());
                buffer.remove(seq);
            }
        }
        if (seqs.isEmpty()) {
            model.release();
            return;
        }
        List<ModelInput> inputs = events.stream().map(ModelInput::of).toList();
        CompletableFuture<List<BatchOutcome>> outcome;
        try {
            outcome = runner.submit(model, inputs);
        } catch (InterruptedException e) {
            model.release();
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while waiting for an encoder worker (task " + task.name() + ")", e);
        }
        inFlight.addLast(new Batch(seqs, buffered, events, model, outcome));
        lastUsed = Math.max(lastUsed, model.version());
    }

    /** Forwards the finished batches at the head of the queue, in order. */
    private void forwardDone() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().outcome().isDone()) {
            forward(inFlight.removeFirst());
        }
    }

    /** Waits for a batch, forwards its predictions (or dead letters) and removes its events from the buffer. */
    private void forward(Batch batch) {
        List<BatchOutcome> outcome;
        try {
            outcome = batch.outcome().get();
        } catch (InterruptedException e) {
            batch.model().release();
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while waiting for a batch of task " + task.name(), e);
        } catch (ExecutionException e) {
            // Failures of single events are caught per event; this is the worker itself failing.
            outcome = BatchRunner.allFailed(batch.seqs().size(), e.getCause());
        }
        long version = batch.model().version();
        int predicted = 0;
        try {
            for (int i = 0; i < batch.seqs().size(); i++) {
                BufferedEvent b = batch.buffered().get(i);
                Event e = batch.events().get(i);
                BatchOutcome result = outcome.get(i);
                if (result instanceof BatchOutcome.Scored s) {
                    long eventTime = e.ts() > 0 ? e.ts() : b.timestamp();
                    long latency = System.currentTimeMillis() - eventTime;
                    Prediction prediction = new Prediction(
                            e.id(),
                            task.name(),
                            s.classification().label(),
                            s.classification().scores(),
                            version,
                            eventTime,
                            latency,
                            e.attrs());
                    byte[] value = Json.write(prediction);
                    long size = RecordParser.recordSize(b.key(), value, null);
                    if (capacity.fits(task.topics().predictions(), size)) {
                        context.forward(
                                new Record<>(b.key(), value, b.timestamp(), new RecordHeaders()),
                                names.predictionsSink());
                        metrics.latency(task.name(), latency);
                        predicted++;
                    } else {
                        String sink = task.topics().predictions();
                        deadLetter(
                                new DeadLetter(
                                        b.topic(),
                                        b.partition(),
                                        b.offset(),
                                        b.key(),
                                        b.value(),
                                        b.headers(),
                                        Reason.RECORD_TOO_LARGE,
                                        "its prediction of " + size + " bytes is over the "
                                                + capacity.budget(sink) + " bytes that " + sink + " was found to take"
                                                + " (raise its max.message.bytes)",
                                        null,
                                        dlqBudget()),
                                b.timestamp());
                    }
                } else {
                    BatchOutcome.Failed f = (BatchOutcome.Failed) result;
                    deadLetter(
                            new DeadLetter(
                                    b.topic(),
                                    b.partition(),
                                    b.offset(),
                                    b.key(),
                                    b.value(),
                                    b.headers(),
                                    f.reason(),
                                    f.message(),
                                    f.exceptionClass(),
                                    dlqBudget()),
                            b.timestamp());
                }
                buffer.remove(batch.seqs().get(i));
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
        if (buffer != null) {
            buffer.clearQueue();
        }
        metrics.held(task.name(), partitionKey, 0);
    }

    /** The size budget of a dead letter: limits.recordBytes, or less if the DLQ topic refused a record. */
    private int dlqBudget() {
        return capacity.budget(task.topics().dlq());
    }

    /** The one place a record leaves for the DLQ: one log level per reason, one metric. */
    private void deadLetter(DeadLetter dl, long timestamp) {
        metrics.deadLetter(task.name(), dl.reason());
        if (dl.reason() == Reason.NO_MODEL
                || dl.reason() == Reason.SCORING_FAILED
                || dl.reason() == Reason.RECORD_TOO_LARGE) {
            log.warn("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        } else {
            log.debug("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        }
        context.forward(new Record<>(dl.key(), dl.value(), timestamp, dl.headers()), names.dlqSink());
    }
}
