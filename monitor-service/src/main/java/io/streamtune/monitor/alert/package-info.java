/**
 * Surge alerts per entity: hopping windows kept as a ring of hops per entity
 * ({@link io.streamtune.monitor.alert.EntityState}), an EWMA baseline, and RAISED/CLEARED with
 * hysteresis ({@link io.streamtune.monitor.alert.SurgeProcessor}).
 */
package io.streamtune.monitor.alert;
