/**
 * The shipped BERT encoders as weights: the ONNX file read without running it ({@link
 * io.streamtune.common.nlp.bert.OnnxGraph}), its configuration and weights under Hugging Face names ({@link
 * io.streamtune.common.nlp.bert.BertWeights}, the one place that maps them onto the file's initializer names), and
 * the contract of a fine-tuning result ({@link io.streamtune.common.nlp.bert.FinetunedWeights}): its checks and the
 * merged weights serving overrides in the base graph.
 */
package io.streamtune.common.nlp.bert;
