/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller), started
 * in-process for tests and the one-command run, or as its own process with
 * {@code streamtune broker}. It is the same Kafka server code that runs in production, not a
 * mock; only the settings differ (replication factor 1 everywhere, small buffers).
 */
package io.streamtune.broker;
