/**
 * The one training path: encode labelled texts with a frozen encoder, train a head on DJL
 * PyTorch, evaluate it. Used by the trainer service and by {@code streamtune evaluate}.
 */
package io.streamtune.trainer.training;
