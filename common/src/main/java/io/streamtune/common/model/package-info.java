/**
 * Model versions as data: immutable, self-describing artifacts ({@link io.streamtune.common.model.ModelArtifact}:
 * metadata, the {@link io.streamtune.common.model.BackboneRef backbone} with the
 * {@link io.streamtune.common.model.WeightsRef weights} a version lays over it, and the head), weight packs
 * ({@link io.streamtune.common.model.TensorPack}), the store for weights too large for a record
 * ({@link io.streamtune.common.model.ArtifactStore}), and the checks that an artifact fits its task.
 * Opening and running a version is {@link io.streamtune.common.runtime}'s job.
 */
package io.streamtune.common.model;
