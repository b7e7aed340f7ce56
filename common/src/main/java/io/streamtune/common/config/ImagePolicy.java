package io.streamtune.common.config;

import io.streamtune.common.image.ImageSpec;

/**
 * How an image task reads its images: the model input ({@link ImageSpec}: size, channels,
 * normalisation) and the decoding guard.
 *
 * @param spec      the CNN input every image is converted to
 * @param maxPixels images whose header declares more pixels (width x height) are rejected before decoding
 */
public record ImagePolicy(ImageSpec spec, long maxPixels) {}
