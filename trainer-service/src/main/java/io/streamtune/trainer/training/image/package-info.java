/**
 * Training of image models: a ResNetV1 backbone (DJL model zoo) with a linear head, on DJL's
 * PyTorch engine, from scratch, from a pretrained DJL parameters file, or continuously from the
 * champion's weights; the whole network or the head alone on a frozen backbone.
 * {@link io.streamtune.trainer.training.image.CnnTrainer} is the entry point; the results are a
 * {@link io.streamtune.common.model.TensorPack} (backbone) and a
 * {@link io.streamtune.common.model.HeadWeights} (head) that
 * {@link io.streamtune.common.model.CnnClassifier} serves.
 */
package io.streamtune.trainer.training.image;
