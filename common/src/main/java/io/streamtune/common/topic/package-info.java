/**
 * Topic names and layouts. A task's topics derive from its name
 * ({@code <task>.examples}, {@code .events}, {@code .predictions}, {@code .dlq}, {@code .alerts});
 * {@code streamtune.models} (compacted, key = task) and {@code streamtune.model-events} (audit)
 * are shared. {@link io.streamtune.common.topic.TopicLayout} says how each is created.
 */
package io.streamtune.common.topic;
