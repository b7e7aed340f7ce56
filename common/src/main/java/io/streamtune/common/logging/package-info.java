/**
 * Logging of every streamtune process: Logback is the one SLF4J provider, configured by the shared
 * {@code logback.xml} of this module (human layout by default, one JSON object per line with
 * {@code STREAMTUNE_LOG_FORMAT=json}). {@link io.streamtune.common.logging.ServiceLogging} names the
 * service on every line and lets commands change levels or send a logger's output to a file;
 * {@link io.streamtune.common.logging.DemoteToDebugFilter} keeps Kafka's client configuration dumps
 * out of INFO.
 */
package io.streamtune.common.logging;
