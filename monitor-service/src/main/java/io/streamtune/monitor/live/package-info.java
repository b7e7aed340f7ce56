/**
 * Live accuracy from late labels: the join of labels to predictions by event id within a time
 * window ({@link io.streamtune.monitor.live.LabelJoinProcessor}) and prequential accuracy and
 * macro-F1 over the last N pairs ({@link io.streamtune.monitor.live.PrequentialAccuracy}).
 */
package io.streamtune.monitor.live;
