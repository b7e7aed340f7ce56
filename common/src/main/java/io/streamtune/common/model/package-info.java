/**
 * Model versions: immutable, self-describing artifacts (metadata + head weights), their
 * compatibility checks, and the {@link io.streamtune.common.model.Classifier} that serves one.
 *
 * <p>Image backbones: {@link io.streamtune.common.model.CnnArchitecture} (DJL's model-zoo ResNetV1
 * without its final Linear), {@link io.streamtune.common.model.CnnWeights} (block weights to and
 * from a {@link io.streamtune.common.model.TensorPack} and {@link io.streamtune.common.model.HeadWeights}),
 * {@link io.streamtune.common.model.CnnBackbone} (serving: features for a batch in one forward call)
 * and {@link io.streamtune.common.model.CnnParametersFile} (DJL's parameters-file format, for
 * pretrained backbones).
 */
package io.streamtune.common.model;
