/**
 * The record contracts: {@link io.streamtune.common.event.Example} (labelled),
 * {@link io.streamtune.common.event.Event} (to be scored), {@link io.streamtune.common.event.Prediction}
 * and the {@link io.streamtune.common.event.DeadLetter} envelope, with
 * {@link io.streamtune.common.event.RecordParser} turning bytes into a value or a
 * {@link io.streamtune.common.event.Reason}.
 */
package io.streamtune.common.event;
