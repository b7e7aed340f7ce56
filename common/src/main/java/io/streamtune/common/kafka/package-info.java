/**
 * Kafka clients built in one place from the full client settings
 * ({@link io.streamtune.common.kafka.KafkaClients}), and the probe that tells services, logs and
 * health endpoints whether Kafka answers ({@link io.streamtune.common.kafka.KafkaProbe}).
 */
package io.streamtune.common.kafka;
