/**
 * Fine-tuning the text encoder itself (tier 2): a trainable BERT on DJL's PyTorch engine built from the ONNX file
 * that serving runs, BitFit, LoRA and full fine-tuning with AdamW. Entry point:
 * {@link io.streamtune.trainer.training.finetune.FineTuner}; the result is served on ONNX Runtime by
 * {@code io.streamtune.common.nlp.Encoders.open(String, int, int, TensorPack)}.
 */
package io.streamtune.trainer.training.finetune;
