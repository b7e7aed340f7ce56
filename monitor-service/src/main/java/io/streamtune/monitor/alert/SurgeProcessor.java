package io.streamtune.monitor.alert;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.MonitorPolicy;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.observation.Observation;

/**
 * Surge detection for one task, one instance per partition of the entity-keyed repartition topic.
 *
 * <p>Windows are hopping windows of {@code monitor.window} every {@code monitor.advance} over the
 * predictions' event time. A window {@code [end - window, end)} is decided once the partition's
 * event-time high-water mark reaches {@code end + grace}; a prediction that arrives after a window
 * it belongs to was decided is not counted there ({@link MonitorMetrics#late}) but still counts in
 * the later windows that contain it, and one older than every window still open is dropped. For
 * each decided window and each entity with predictions in it, the share of the alert label is
 * compared with the entity's baseline ({@link MonitorPolicy} documents the rule) and RAISED or
 * CLEARED is written to {@code <task>.alerts}, key = entity.
 *
 * <p>State, all changelogged: the entities ({@link EntityState} per entity), an index by the hop
 * in which each entity was last seen (to find the entities of a window, and the least recently
 * seen one to evict beyond {@code monitor.maxEntities}), and the partition's clock (high-water
 * mark, end of the last decided window), so a restart resumes where the committed state was.
 */
public final class SurgeProcessor implements Processor<String, Observation, String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(SurgeProcessor.class);
    private static final String HWM = "hwm";
    private static final String CLOSED = "closed";
    private static final int EVIDENCE = 5;

    private final TaskConfig task;
    private final MonitorPolicy policy;
    private final MonitorMetrics metrics;
    private final String entityStoreName;
    private final String indexStoreName;
    private final String clockStoreName;
    private final int alertLabel;
    private final int labels;
    private final int hops;
    private final int ring;
    private final long advance;
    private final long window;
    private final long grace;

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> entities;
    private KeyValueStore<Bytes, byte[]> index;
    private KeyValueStore<String, Long> clock;
    private long entityCount;
    private int partition;

    public SurgeProcessor(
            TaskConfig task, MonitorMetrics metrics, String entityStore, String indexStore, String clockStore) {
        this.task = task;
        this.policy = task.monitor();
        this.metrics = metrics;
        this.entityStoreName = entityStore;
        this.indexStoreName = indexStore;
        this.clockStoreName = clockStore;
        this.alertLabel = task.labelIndex(policy.alertLabel());
        this.labels = task.labels().size();
        this.hops = policy.hops();
        this.advance = policy.advance().toMillis();
        this.window = policy.window().toMillis();
        this.grace = policy.grace().toMillis();
        // Slots an undecided window may still need: the window's hops, plus those the grace spans, plus the newest.
        this.ring = hops + (int) ((grace + advance - 1) / advance) + 1;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.entities = context.getStateStore(entityStoreName);
        this.index = context.getStateStore(indexStoreName);
        this.clock = context.getStateStore(clockStoreName);
        this.partition = context.taskId().partition();
        // Processors start after their stores are restored: the count is that of the committed state.
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = index.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        entityCount = n;
        metrics.entities(task.name(), partition, entityCount);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation o = record.value();
        String entity = record.key();
        if (o == null || entity == null) {
            return;
        }
        long t = o.eventTime() > 0 ? o.eventTime() : record.timestamp();
        long slot = Math.floorDiv(t, advance) * advance;
        Long closedNow = clock.get(CLOSED);
        long closed = closedNow == null ? slot : closedNow;
        if (closedNow == null) {
            clock.put(CLOSED, closed);
        }
        Long hwm = clock.get(HWM);
        if (hwm == null || t > hwm) {
            clock.put(HWM, t);
            // First decide what this record's time closes (never a window it belongs to: those end after t),
            // so its slot cannot overwrite one an undecided window still needs.
            closed = decideClosedWindows(t, closed);
        }
        if (slot + advance <= closed) {
            metrics.late(task.name());
        }
        if (slot + window > closed) {
            add(entity, slot, o, t);
        }
    }

    private void add(String entity, long slot, Observation o, long eventTime) {
        byte[] bytes = entities.get(entity);
        EntityState st;
        if (bytes == null) {
            if (entityCount >= policy.maxEntities()) {
                evictLeastRecentlySeen();
            }
            st = new EntityState(ring, labels);
            entityCount++;
            metrics.entities(task.name(), partition, entityCount);
        } else {
            st = EntityState.fromBytes(bytes, ring, labels);
        }
        long seenBefore = st.lastSeenSlot;
        if (!st.add(slot, advance, o.label(), alertLabel, o.version(), o.id(), eventTime)) {
            return; // older than every slot kept: every window it belongs to was decided (counted as late)
        }
        entities.put(entity, st.toBytes());
        if (st.lastSeenSlot != seenBefore) {
            if (seenBefore >= 0) {
                index.delete(indexKey(seenBefore, entity));
            }
            index.put(indexKey(st.lastSeenSlot, entity), new byte[0]);
        }
    }

    private void evictLeastRecentlySeen() {
        Bytes oldest = null;
        try (KeyValueIterator<Bytes, byte[]> it = index.all()) {
            if (it.hasNext()) {
                oldest = it.next().key;
            }
        }
        if (oldest == null) {
            return;
        }
        String entity = entityOf(oldest);
        index.delete(oldest);
        entities.delete(entity);
        entityCount--;
        metrics.evicted(task.name());
        log.debug(
                "[monitor task={}] evicted entity {} (least recently seen; monitor.maxEntities {})",
                task.name(),
                entity,
                policy.maxEntities());
    }

    /** Decides every window whose end + grace the high-water mark has passed, oldest first. */
    private long decideClosedWindows(long hwm, long closed) {
        long next = closed + advance;
        while (next + grace <= hwm) {
            if (newestSeenSlot() < next - window) {
                // No entity has a prediction in this window or any later one until new data: skip ahead.
                long last = Math.floorDiv(hwm - grace, advance) * advance;
                clock.put(CLOSED, last);
                return last;
            }
            decide(next - window, next);
            clock.put(CLOSED, next);
            closed = next;
            next += advance;
        }
        return closed;
    }

    private long newestSeenSlot() {
        try (KeyValueIterator<Bytes, byte[]> it = index.reverseAll()) {
            return it.hasNext() ? ByteBuffer.wrap(it.next().key.get()).getLong() : Long.MIN_VALUE;
        }
    }

    private void decide(long start, long end) {
        List<String> candidates = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.range(indexKey(start, ""), indexKey(Long.MAX_VALUE, ""))) {
            while (it.hasNext()) {
                candidates.add(entityOf(it.next().key));
            }
        }
        List<Map.Entry<String, Double>> top = new ArrayList<>();
        long now = context.currentSystemTimeMs();
        for (String entity : candidates) {
            byte[] bytes = entities.get(entity);
            if (bytes == null) {
                continue;
            }
            EntityState st = EntityState.fromBytes(bytes, ring, labels);
            List<EntityState.Slot> slots = st.window(start, end);
            long[] counts = EntityState.counts(slots, labels);
            long total = 0;
            for (long c : counts) {
                total += c;
            }
            if (total < policy.minCount()) {
                continue;
            }
            double share = (double) counts[alertLabel] / total;
            top.add(new AbstractMap.SimpleImmutableEntry<>(entity, share));
            double raiseLevel = st.mean + Math.max(policy.margin(), policy.zScore() * st.spread());
            double clearLevel = st.mean + policy.clearMargin();
            Alert.Baseline baseline = new Alert.Baseline(st.mean, st.spread(), st.windows);
            if (!st.raised) {
                if (st.windows >= policy.baselineWarmup() && share >= raiseLevel) {
                    st.raised = true;
                    st.raisedWindowEnd = end;
                    long onset = onset(slots, raiseLevel);
                    emit(
                            entity,
                            Alert.State.RAISED,
                            start,
                            end,
                            counts,
                            total,
                            share,
                            baseline,
                            raiseLevel,
                            slots,
                            onset,
                            now);
                    if (onset > 0) {
                        metrics.alertDelay(task.name(), Duration.ofMillis(now - onset));
                    }
                } else if (st.windows < policy.baselineWarmup() || share < clearLevel) {
                    // Only normal windows (under the clear level) move the baseline: a surge's ramp-up, between
                    // the clear and the raise levels, would otherwise pull the baseline after it and never raise.
                    st.updateBaseline(share, policy.baselineAlpha());
                }
            } else if (share < clearLevel) {
                st.raised = false;
                emit(
                        entity,
                        Alert.State.CLEARED,
                        start,
                        end,
                        counts,
                        total,
                        share,
                        baseline,
                        clearLevel,
                        slots,
                        -1,
                        now);
                st.updateBaseline(share, policy.baselineAlpha());
            }
            entities.put(entity, st.toBytes());
        }
        if (!top.isEmpty()) {
            top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            metrics.topShares(
                    task.name(), partition, top.subList(0, Math.min(MonitorMetrics.TOP_ENTITIES, top.size())));
        }
    }

    /**
     * The surge's onset: the first alert-label prediction of the oldest hop of the window whose own
     * share reached the raise level; without one, of the newest hop with an alert-label prediction.
     */
    private long onset(List<EntityState.Slot> slots, double raiseLevel) {
        long fallback = -1;
        for (EntityState.Slot s : slots) {
            int total = s.total();
            if (s.firstAlertTs < 0 || total == 0) {
                continue;
            }
            if ((double) s.counts[alertLabel] / total >= raiseLevel) {
                return s.firstAlertTs;
            }
            fallback = s.firstAlertTs;
        }
        return fallback;
    }

    private void emit(
            String entity,
            Alert.State state,
            long start,
            long end,
            long[] counts,
            long total,
            double share,
            Alert.Baseline baseline,
            double threshold,
            List<EntityState.Slot> slots,
            long onset,
            long now) {
        Map<String, Long> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < labels; i++) {
            byLabel.put(task.labels().get(i), counts[i]);
        }
        Alert alert = new Alert(
                task.name(),
                entity,
                state,
                start,
                end,
                byLabel,
                total,
                policy.alertLabel(),
                round(share),
                baseline,
                round(threshold),
                EntityState.versions(slots),
                EntityState.evidence(slots, EVIDENCE),
                onset > 0 ? onset : null,
                null,
                now);
        metrics.alert(task.name(), state);
        log.info(
                "[monitor task={}] {} for {}: {} share {} in [{}, {}) of {} predictions (baseline {} +- {})",
                task.name(),
                state,
                entity,
                policy.alertLabel(),
                round(share),
                start,
                end,
                total,
                round(baseline.mean()),
                round(baseline.spread()));
        context.forward(new Record<>(entity, Json.write(alert), end));
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    static Bytes indexKey(long slot, String entity) {
        byte[] e = entity.getBytes(StandardCharsets.UTF_8);
        // Slots are epoch ms (non-negative): big-endian bytes sort like the numbers.
        return Bytes.wrap(ByteBuffer.allocate(8 + e.length).putLong(slot).put(e).array());
    }

    static String entityOf(Bytes key) {
        byte[] k = key.get();
        return new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
    }
}
