/**
 * The monitor service: a Kafka Streams application of its own ({@code monitoring.applicationId},
 * exactly_once_v2) that reads {@code <task>.predictions} and {@code <task>.examples} and writes
 * surge and drift alerts to {@code <task>.alerts} and live accuracy to {@code streamtune.model-events}.
 * {@link io.streamtune.monitor.MonitorMain} wires, {@link io.streamtune.monitor.MonitorService} owns
 * the running parts, {@link io.streamtune.monitor.topology.MonitorTopology} builds the topology.
 */
package io.streamtune.monitor;
