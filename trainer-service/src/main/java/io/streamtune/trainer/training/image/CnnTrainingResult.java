package io.streamtune.trainer.training.image;

import ai.djl.Device;

import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;

/**
 * What one CNN training produced.
 *
 * @param backbone        the backbone's weights (BatchNorm statistics included) and attributes
 * @param head            the linear head, {@code [featureDimension][labels]}
 * @param start           where the weights started
 * @param backboneFrozen  whether only the head was trained
 * @param epochs          passes over the training images
 * @param steps           optimiser steps
 * @param lastEpochLoss   mean training loss of the last epoch
 * @param trainSeconds    wall-clock time of the whole training, from model build to extracted weights
 * @param imagesPerSecond epochs x images / trainSeconds
 * @param device          where it ran
 */
public record CnnTrainingResult(
        TensorPack backbone,
        HeadWeights head,
        CnnTrainer.Start start,
        boolean backboneFrozen,
        int epochs,
        int steps,
        double lastEpochLoss,
        double trainSeconds,
        double imagesPerSecond,
        Device device) {

    /** The result as the next training's starting point. */
    public WarmStart asWarmStart() {
        return new WarmStart(backbone, head);
    }
}
