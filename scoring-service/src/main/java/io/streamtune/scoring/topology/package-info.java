/**
 * The scoring topology: {@link io.streamtune.scoring.topology.ScoringTopology#build} and its
 * processors.
 *
 * <h2>Events before the first model (hold-back policy)</h2>
 * An event that no model version can serve yet (none in service for its task, or the one in
 * service is older than the version this partition already used) is not dropped and not
 * scored late by a wrong model: it is held in the partition's buffer store, the same
 * changelogged store that batches events, so exactly_once_v2 covers it across crashes and
 * rebalances. Held events are scored, oldest first and in their partition order, as soon as a
 * version can serve them (at the next wall-clock tick, within {@code scoring.batch.maxWait}).
 * The hold is bounded per partition by {@code scoring.hold.maxEvents}: once that many events are
 * held, each further event goes to {@code <task>.dlq} with reason {@code NO_MODEL}, its original
 * bytes and headers, and is counted in {@code streamtune.scoring.dlq{reason=NO_MODEL}}. Held
 * events are never dropped to make room, so what is held is exactly what will be scored.
 *
 * <h2>Ordering and versions</h2>
 * One processor instance per partition, one buffer per instance, cut into batches oldest first.
 * Batches run concurrently on the {@link io.streamtune.scoring.topology.ScoringWorkers} but are
 * forwarded in the order they were cut, so the predictions of a partition keep its event order.
 * A batch is scored by one version (one reference-counted handle held from submission until its
 * predictions are forwarded, or until it ends if its partition was closed meanwhile); the
 * versions of a partition's batches never decrease; the last version used per partition is kept
 * in a changelogged store, so a partition never goes back to an older version, not even after a
 * restart, unless an operator pins one.
 *
 * <h2>Records read twice</h2>
 * The same store keeps each partition's progress, the offset after the last record taken, committed
 * in the transaction that takes the record. A record read again below it (the group's committed
 * offset is behind the committed outputs: after a broker crash, Kafka 4.3.1's group coordinator was
 * seen to answer an offset 150 s old) is skipped with a warning and counted in
 * {@code streamtune.scoring.events.already.scored}, not scored twice. To score a topic again on
 * purpose, reset the application (its changelogs go too) or use a new {@code scoring.applicationId};
 * moving only the group's offsets back is treated as such a stale offset.
 */
package io.streamtune.scoring.topology;
