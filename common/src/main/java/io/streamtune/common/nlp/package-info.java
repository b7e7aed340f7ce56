/**
 * Text encoders: frozen pretrained sentence encoders (ONNX exports run on ONNX Runtime through
 * DJL) and an embedding cache.
 *
 * <p>Entry point: {@link io.streamtune.common.nlp.Encoders#open(String)}. Models and tokenizers
 * come from the {@code dev.langchain4j:langchain4j-embeddings-*} jars on the classpath; nothing
 * is downloaded.
 */
package io.streamtune.common.nlp;
