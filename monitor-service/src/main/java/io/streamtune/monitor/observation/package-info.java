/**
 * {@link io.streamtune.monitor.observation.Observation}: the compact record the monitor's internal
 * topics carry between its sub-topologies (prediction, late label, joined pair) and its serde.
 * Below the topology and its processors, so both can use it without a package cycle.
 */
package io.streamtune.monitor.observation;
