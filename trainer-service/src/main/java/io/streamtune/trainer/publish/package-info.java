/**
 * Publishing: model versions, their audit events, dead letters and consumer offsets in one Kafka
 * transaction ({@link io.streamtune.trainer.publish.TransactionalPublisher}), and reading back
 * what earlier runs published ({@link io.streamtune.common.history.ModelHistory}).
 */
package io.streamtune.trainer.publish;
