/**
 * Model versions as data: immutable, self-describing artifacts ({@link io.streamtune.common.model.ModelArtifact}:
 * metadata, the {@link io.streamtune.common.model.BackboneRef backbone} with the
 * {@link io.streamtune.common.model.WeightsRef weights} a version lays over it, and the head), weight packs
 * ({@link io.streamtune.common.model.TensorPack}), the store for weights too large for a record
 * ({@link io.streamtune.common.model.ArtifactStore}), and the checks that an artifact fits its task.
 * Opening and running a version is {@link io.streamtune.common.runtime}'s job.
 *
 * <p>Image backbones: {@link io.streamtune.common.model.CnnArchitecture} (DJL's model-zoo ResNetV1
 * without its final Linear), {@link io.streamtune.common.model.CnnWeights} (block weights to and
 * from a {@link io.streamtune.common.model.TensorPack} and {@link io.streamtune.common.model.HeadWeights}),
 * {@link io.streamtune.common.model.CnnBackbone} (serving: features for a batch in one forward call)
 * and {@link io.streamtune.common.model.CnnParametersFile} (DJL's parameters-file format, for
 * pretrained backbones).
 */
package io.streamtune.common.model;
