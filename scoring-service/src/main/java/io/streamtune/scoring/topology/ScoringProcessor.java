package io.streamtune.scoring.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
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
 * buffer is flushed oldest first, in batches of {@code batch.size}, when it is full (in
 * {@code process}) or when its oldest event has waited {@code batch.maxWait} (wall-clock
 * punctuation); one batch is one encoder call under one model version. While no model version
 * can serve the partition the buffer is the hold-back buffer (see package docs).
 *
 * <p>The last version used is kept in a second changelogged store, so that after a restart or
 * a rebalance a partition never goes back to an older version (unless the task is pinned).
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
    static final String SERVED_VERSION_KEY = "version";

    private final TaskConfig task;
    private final RecordParser parser;
    private final ModelRegistry models;
    private final ScoringMetrics metrics;
    private final int batchSize;
    private final long maxWaitMs;
    private final int holdMax;
    private final boolean pinned;
    private final ScoringTopology.Names names;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Long, BufferedEvent> buffer;
    private KeyValueStore<String, Long> served;
    private long nextSeq;
    private int count;
    private long lastServed;

    ScoringProcessor(TaskConfig task, RecordParser parser, ModelRegistry models, ScoringMetrics metrics, int batchSize,
                     Duration maxWait, int holdMax, ScoringTopology.Names names) {
        this.task = task;
        this.parser = parser;
        this.models = models;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.maxWaitMs = maxWait.toMillis();
        this.holdMax = holdMax;
        this.pinned = models.pin(task.name()).isPresent();
        this.names = names;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.buffer = context.getStateStore(names.bufferStore());
        this.served = context.getStateStore(names.servedVersionStore());
        // The store survives restarts (changelog): continue its sequence and its count.
        count = 0;
        nextSeq = 0;
        try (KeyValueIterator<Long, BufferedEvent> it = buffer.all()) {
            while (it.hasNext()) {
                nextSeq = Math.max(nextSeq, it.next().key + 1);
                count++;
            }
        }
        Long v = served.get(SERVED_VERSION_KEY);
        lastServed = v == null ? 0 : v;
        if (count > 0) {
            log.info("[scoring task={} {}] resuming with {} buffered events, last version used v{}", task.name(),
                    context.taskId(), count, lastServed);
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
        ParseResult<Event> parsed = parser.parseEvent(task.name(), record.value());
        if (!parsed.isOk()) {
            deadLetter(new DeadLetter(topic, partition, offset, record.key(), record.value(), record.headers(),
                    parsed.reason(), parsed.message(), null), record.timestamp());
            return;
        }
        if (count >= holdMax && !canScore()) {
            deadLetter(new DeadLetter(topic, partition, offset, record.key(), record.value(), record.headers(), Reason.NO_MODEL,
                    "no model version of task " + task.name() + " can serve this partition yet and " + count
                            + " events are already held (scoring.hold.maxEvents)", null), record.timestamp());
            return;
        }
        buffer.put(nextSeq++, new BufferedEvent(topic, partition, offset, record.timestamp(), context.currentSystemTimeMs(),
                record.key(), record.value(), new RecordHeaders(record.headers().toArray())));
        count++;
        if (count >= batchSize) {
            flush(true);
        }
    }

    private void punctuate(long now) {
        if (count == 0) {
            return;
        }
        BufferedEvent oldest;
        try (KeyValueIterator<Long, BufferedEvent> it = buffer.all()) {
            oldest = it.hasNext() ? it.next().value : null;
        }
        if (oldest != null && now - oldest.bufferedAtMillis() >= maxWaitMs) {
            flush(false);
        }
    }

    /** True when a model version may serve this partition now. */
    private boolean canScore() {
        var v = models.servedVersion(task.name());
        return v.isPresent() && (pinned || v.getAsLong() >= lastServed);
    }

    /** Scores buffered events oldest first, batch by batch; with {@code fullOnly} only full batches. */
    private void flush(boolean fullOnly) {
        while (count > 0 && (!fullOnly || count >= batchSize)) {
            ModelHandle model = models.acquire(task.name());
            if (model == null) {
                return; // held until a version arrives
            }
            try {
                if (!pinned && model.version() < lastServed) {
                    return; // never go back to an older version on this partition
                }
                score(take(batchSize), model);
            } finally {
                model.release();
            }
        }
    }

    private List<KeyValue<Long, BufferedEvent>> take(int n) {
        List<KeyValue<Long, BufferedEvent>> batch = new ArrayList<>(Math.min(n, count));
        try (KeyValueIterator<Long, BufferedEvent> it = buffer.all()) {
            while (it.hasNext() && batch.size() < n) {
                batch.add(it.next());
            }
        }
        return batch;
    }

    private void score(List<KeyValue<Long, BufferedEvent>> batch, ModelHandle model) {
        List<KeyValue<Long, BufferedEvent>> valid = new ArrayList<>(batch.size());
        List<Event> events = new ArrayList<>(batch.size());
        for (KeyValue<Long, BufferedEvent> kv : batch) {
            BufferedEvent b = kv.value;
            // Parsing again is cheap next to encoding and keeps the store to the original bytes.
            ParseResult<Event> p = parser.parseEvent(task.name(), b.value());
            if (p.isOk()) {
                valid.add(kv);
                events.add(p.value());
            } else {
                deadLetter(new DeadLetter(b.topic(), b.partition(), b.offset(), b.key(), b.value(), b.headers(), p.reason(),
                        p.message(), null), b.timestamp());
                remove(kv.key);
            }
        }
        if (valid.isEmpty()) {
            return;
        }
        List<Classification> results = null;
        RuntimeException batchError = null;
        try {
            results = model.classifier().classify(events.stream().map(Event::text).toList());
            metrics.batch(task.name(), events.size());
        } catch (RuntimeException e) {
            batchError = e;
            log.warn("[scoring task={} version={}] a batch of {} failed ({}); scoring its events one by one", task.name(),
                    model.version(), events.size(), e.toString());
        }
        long version = model.version();
        int predicted = 0;
        for (int i = 0; i < valid.size(); i++) {
            BufferedEvent b = valid.get(i).value;
            Event e = events.get(i);
            Classification c;
            if (batchError == null) {
                c = results.get(i);
            } else {
                try {
                    c = model.classifier().classify(List.of(e.text())).get(0);
                } catch (RuntimeException ex) {
                    deadLetter(new DeadLetter(b.topic(), b.partition(), b.offset(), b.key(), b.value(), b.headers(),
                            Reason.SCORING_FAILED, "model v" + version + " of task " + task.name() + " failed: " + ex,
                            ex.getClass().getName()), b.timestamp());
                    remove(valid.get(i).key);
                    continue;
                }
            }
            long eventTime = e.ts() > 0 ? e.ts() : b.timestamp();
            long now = System.currentTimeMillis();
            long latency = now - eventTime;
            Prediction prediction = new Prediction(e.id(), task.name(), c.label(), c.scores(), version, eventTime, latency, e.attrs());
            context.forward(new Record<>(b.key(), Json.write(prediction), b.timestamp(), new RecordHeaders()), names.predictionsSink());
            metrics.latency(task.name(), latency);
            remove(valid.get(i).key);
            predicted++;
        }
        metrics.predicted(task.name(), version, predicted);
        if (version != lastServed) {
            served.put(SERVED_VERSION_KEY, version);
            lastServed = version;
        }
    }

    private void remove(long seq) {
        buffer.delete(seq);
        count--;
    }

    /** The one place a record leaves for the DLQ: one log level per reason, one metric. */
    private void deadLetter(DeadLetter dl, long timestamp) {
        metrics.deadLetter(task.name(), dl.reason());
        if (dl.reason() == Reason.NO_MODEL || dl.reason() == Reason.SCORING_FAILED) {
            log.warn("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        } else {
            log.debug("[scoring task={}] to {}: {}", task.name(), task.topics().dlq(), dl);
        }
        context.forward(new Record<>(dl.key(), dl.value(), timestamp, dl.headers()), names.dlqSink());
    }
}
