package io.streamtune.trainer.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.streamtune.common.config.WindowPolicy;
import io.streamtune.trainer.window.TaskWindow;

/**
 * Where a (re)started trainer reads each partition of a task's examples from, and what the records it
 * reads mean. Pure arithmetic over the model history and the partitions' offsets, tested alone.
 *
 * <p>Per partition three boundaries are derived:
 * <ul>
 *   <li>{@code rangeStart}: where the last published version's window ended, plus one (or the
 *       partition's first offset). The next version covers offsets from here, so consecutive versions'
 *       ranges join without a gap and every valid example is covered by exactly one published version.</li>
 *   <li>{@code routedFrom}: the committed offset (at least {@code rangeStart}). Records from here on are
 *       seen for the first time: a bad one goes to the dead-letter topic; earlier ones were routed by a
 *       committed transaction and are not dead-lettered twice.</li>
 *   <li>{@code seek}: far enough back to refill the training window and the holdout
 *       ({@link #lookback(WindowPolicy)} records before the end), and at least back to {@code rangeStart}.</li>
 * </ul>
 */
public final class OffsetRecovery {
    private OffsetRecovery() {}

    /**
     * The plan for one partition.
     *
     * @param deletedBeforeCoverage offsets {@code [rangeStart of the history, first offset)} that retention deleted
     *     before any version covered them (0 when none): logged, they cannot be recovered
     */
    public record PartitionPlan(
            TopicPartition partition, long seek, long rangeStart, long routedFrom, long deletedBeforeCoverage) {}

    /**
     * Records to read back to refill a window: {@code size} examples outside the holdout arrive among about
     * {@code size * 100 / (100 - holdoutPercent)} records, plus the holdout's capacity.
     */
    public static long lookback(WindowPolicy policy) {
        return (long) Math.ceil(policy.size() * 100.0 / (100 - policy.holdoutPercent()))
                + TaskWindow.holdoutCapacity(policy);
    }

    /**
     * Plans every partition of one task.
     *
     * @param publishedEnd per partition, the highest {@code toOffset} a published version covers
     * @param begin, end first and next offsets of each partition now
     * @param committed the trainer group's committed offsets (absent: none)
     */
    public static List<PartitionPlan> plan(
            WindowPolicy policy,
            List<TopicPartition> partitions,
            Map<Integer, Long> publishedEnd,
            Map<TopicPartition, Long> begin,
            Map<TopicPartition, Long> end,
            Map<TopicPartition, OffsetAndMetadata> committed) {
        long lookback = lookback(policy);
        List<PartitionPlan> out = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            long first = begin.get(tp);
            long start = publishedEnd.containsKey(tp.partition()) ? publishedEnd.get(tp.partition()) + 1 : first;
            long deleted = 0;
            if (start < first) {
                deleted = first - start;
                start = first;
            }
            OffsetAndMetadata c = committed.get(tp);
            long routed = c == null ? start : Math.max(c.offset(), start);
            long seek = Math.max(first, Math.min(start, end.get(tp) - lookback));
            out.add(new PartitionPlan(tp, seek, start, routed, deleted));
        }
        return out;
    }
}
