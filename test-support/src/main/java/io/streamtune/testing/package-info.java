/**
 * Test support: {@link io.streamtune.testing.SharedKafka} gives every test in a JVM one real
 * Kafka broker, chosen in this order: an external broker named by the system property
 * {@code streamtune.test.bootstrap}; Testcontainers' Kafka where a Docker engine answers (and
 * {@code streamtune.test.broker} is not {@code embedded}); the in-JVM KRaft broker otherwise.
 */
package io.streamtune.testing;
