/** The monitor's meters ({@link io.streamtune.monitor.metrics.MonitorMetrics}), read by every processor and by {@code /health}. */
package io.streamtune.monitor.metrics;
