/**
 * Model versions in service: {@link io.streamtune.scoring.model.ModelRegistry} validates, loads
 * and warms a new version off the stream threads and swaps it in atomically;
 * {@link io.streamtune.scoring.model.ModelHandle} is the immutable, reference-counted handle a
 * batch holds while it scores; {@link io.streamtune.scoring.model.EncoderPool} opens each
 * encoder once and shares it across versions, tasks and stream threads.
 */
package io.streamtune.scoring.model;
