/**
 * Image input: from the encoded bytes a record carries (PNG, JPEG, GIF or BMP) to the normalised
 * {@code [channels, size, size]} float tensor a CNN backbone takes.
 *
 * <p>{@link io.streamtune.common.image.ImageSpec} says what the model takes (size, channels,
 * per-channel mean and std); {@link io.streamtune.common.image.ImagePreprocessor} decodes,
 * converts channels, crops and resizes; every failure is an
 * {@link io.streamtune.common.image.ImageException} whose
 * {@link io.streamtune.common.image.ImageException.Defect} says what was wrong with the bytes.
 * The package depends on no other streamtune package, so record validation, training and serving
 * can all use it.
 */
package io.streamtune.common.image;
