/**
 * The monitoring topology ({@link io.streamtune.monitor.topology.MonitorTopology#build}), the
 * parsers of predictions and labels, the task-wide statistics processor and the compact
 * {@link io.streamtune.monitor.observation.Observation} its internal topics carry.
 */
package io.streamtune.monitor.topology;
