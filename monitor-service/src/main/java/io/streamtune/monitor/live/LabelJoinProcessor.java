package io.streamtune.monitor.live;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.metrics.MonitorMetrics.LabelOutcome;
import io.streamtune.monitor.observation.Observation;

/**
 * Joins late labels to the predictions of the same event id, in either order, when their record
 * timestamps (when the event and when the label were produced) differ by at most
 * {@code monitor.labelJoinWindow} ({@code W}). Input: predictions and labels, both keyed by id and
 * co-partitioned; output: one {@link Observation.Kind#PAIR} per join, keyed by the task.
 *
 * <p>Both sides wait in a changelogged window store for {@code 2W}. A label whose prediction is
 * found further apart than {@code W} counts as {@code outside-window}; one still alone after
 * {@code 2W} of stream time counts as {@code never-scored} (no prediction with that id was seen, or
 * it was more than {@code 2W} away). Joined entries are deleted, so each pair is counted once.
 */
public final class LabelJoinProcessor implements Processor<String, Observation, String, Observation> {
    private final TaskConfig task;
    private final MonitorMetrics metrics;
    private final String predictionStoreName;
    private final String labelStoreName;
    private final long window;
    private final long keep;

    private ProcessorContext<String, Observation> context;
    private WindowStore<String, byte[]> predictions;
    private WindowStore<String, byte[]> labels;
    private long swept = Long.MIN_VALUE;

    public LabelJoinProcessor(TaskConfig task, MonitorMetrics metrics, String predictionStore, String labelStore) {
        this.task = task;
        this.metrics = metrics;
        this.predictionStoreName = predictionStore;
        this.labelStoreName = labelStore;
        this.window = task.monitor().labelJoinWindow().toMillis();
        this.keep = 2 * window;
    }

    /** How long the stores must keep records: the wait ({@code 2W}) plus a margin so sweeping comes first. */
    public static Duration retention(TaskConfig task) {
        return task.monitor().labelJoinWindow().multipliedBy(3);
    }

    @Override
    public void init(ProcessorContext<String, Observation> context) {
        this.context = context;
        this.predictions = context.getStateStore(predictionStoreName);
        this.labels = context.getStateStore(labelStoreName);
        context.schedule(Duration.ofMillis(Math.max(1_000, window / 4)), PunctuationType.STREAM_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation o = record.value();
        String id = record.key();
        if (o == null || id == null) {
            return;
        }
        long ts = record.timestamp();
        if (o.kind() == Observation.Kind.PREDICTION) {
            KeyValue<Long, byte[]> label = first(labels, id, ts - keep, ts + window);
            if (label != null && label.key >= ts - window) {
                labels.put(id, null, label.key);
                join(o.version(), o.label(), ByteBuffer.wrap(label.value).getInt(), Math.max(ts, label.key));
                return;
            }
            if (label != null) { // the label came more than the window before its prediction
                labels.put(id, null, label.key);
                metrics.label(task.name(), LabelOutcome.OUTSIDE_WINDOW);
            }
            predictions.put(
                    id,
                    ByteBuffer.allocate(12)
                            .putLong(o.version())
                            .putInt(o.label())
                            .array(),
                    ts);
        } else if (o.kind() == Observation.Kind.LABEL) {
            KeyValue<Long, byte[]> prediction = first(predictions, id, ts - keep, ts + window);
            if (prediction == null) {
                labels.put(id, ByteBuffer.allocate(4).putInt(o.label()).array(), ts);
                return;
            }
            predictions.put(id, null, prediction.key);
            if (prediction.key < ts - window) { // scored more than the window before its label
                metrics.label(task.name(), LabelOutcome.OUTSIDE_WINDOW);
                return;
            }
            ByteBuffer p = ByteBuffer.wrap(prediction.value);
            join(p.getLong(), p.getInt(), o.label(), Math.max(ts, prediction.key));
        }
    }

    private void join(long version, int predicted, int truth, long ts) {
        metrics.label(task.name(), LabelOutcome.JOINED);
        context.forward(new Record<>(task.name(), Observation.pair(version, predicted, truth), ts));
    }

    /** The newest entry of {@code id} in {@code [from, to]} (one store iterator per record: they are the join's main cost). */
    private static KeyValue<Long, byte[]> first(WindowStore<String, byte[]> store, String id, long from, long to) {
        if (to < from) {
            return null;
        }
        // Forward, keeping the last: RocksDB seeks backwards much more slowly (seen in stack samples), and an id has
        // 0-2 entries.
        KeyValue<Long, byte[]> newest = null;
        try (WindowStoreIterator<byte[]> it = store.fetch(id, Math.max(0, from), Math.max(0, to))) {
            while (it.hasNext()) {
                newest = it.next();
            }
        }
        return newest;
    }

    /** Labels alone for {@code 2W} of stream time will not join: counted once, then removed. */
    private void sweep(long streamTime) {
        long upTo = streamTime - keep;
        if (upTo <= 0 || upTo <= swept) {
            return;
        }
        List<KeyValue<Windowed<String>, byte[]>> expired = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, byte[]> it = labels.fetchAll(Math.max(0, swept), upTo - 1)) {
            it.forEachRemaining(expired::add);
        }
        for (KeyValue<Windowed<String>, byte[]> e : expired) {
            labels.put(e.key.key(), null, e.key.window().start());
            metrics.label(task.name(), LabelOutcome.NEVER_SCORED);
        }
        swept = upTo;
    }
}
