package io.streamtune.common.config;

/**
 * The numeric precision of a shipped encoder's weights: a task setting ({@code encoder.precision}).
 * Each precision of an encoder is its own shipped ONNX file with its own id ({@code all-minilm-l6-v2}
 * and {@code all-minilm-l6-v2-q}), so precision is part of the encoder id a model version records and
 * of the key its backbone is opened and shared by.
 *
 * <ul>
 *   <li>{@link #FP32}: 32-bit floats, the exported weights.</li>
 *   <li>{@link #INT8}: weights quantised to 8-bit integers (the {@code -q} exports of the langchain4j
 *       embeddings jars): about twice the sentences per second on CPU, slightly different and
 *       batch-dependent outputs. None ships for {@code bge-small-zh-v1.5}.</li>
 * </ul>
 */
public enum Precision {
    FP32,
    INT8
}
