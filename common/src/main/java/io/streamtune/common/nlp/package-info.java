/**
 * Text encoders: frozen pretrained sentence encoders (ONNX exports run on ONNX Runtime through
 * DJL) and an embedding cache.
 *
 * <p>Entry point: {@link io.streamtune.common.nlp.Encoders#open(String)}. Models and tokenizers
 * come from the {@code dev.langchain4j:langchain4j-embeddings-*} jars on the classpath; nothing
 * is downloaded.
 *
 * <p>The same encoders as weights, for fine-tuning: the ONNX file read without running it ({@link
 * io.streamtune.common.nlp.OnnxGraph}), its configuration and weights under Hugging Face names ({@link
 * io.streamtune.common.nlp.BertWeights}, the one place that maps them onto the file's initializer names), and the
 * contract of a fine-tuning result ({@link io.streamtune.common.nlp.FinetunedWeights}): its checks and the merged
 * weights a tuned encoder serves ({@link io.streamtune.common.nlp.Encoders#open(String, int, int,
 * io.streamtune.common.model.TensorPack)}).
 */
package io.streamtune.common.nlp;
