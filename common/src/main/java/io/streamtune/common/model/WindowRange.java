package io.streamtune.common.model;

/**
 * One contiguous range of a training window on one topic partition.
 *
 * @param topic source topic of the labelled examples
 * @param partition partition
 * @param fromOffset first offset, inclusive
 * @param toOffset last offset, inclusive
 * @param count examples actually used from the range (may be less than the offset span:
 *     transaction markers and rejected records take offsets too)
 */
public record WindowRange(String topic, int partition, long fromOffset, long toOffset, long count) {}
