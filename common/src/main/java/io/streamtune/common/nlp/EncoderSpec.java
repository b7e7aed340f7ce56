package io.streamtune.common.nlp;

/**
 * Static description of a known encoder: where its files are on the classpath and how its
 * output must be pooled.
 *
 * @param id encoder id used in configuration and model versions
 * @param resourceName base name of {@code <name>.onnx} and {@code <name>-tokenizer.json} at the
 *     root of the encoder jar
 * @param pooling pooling the model was trained with
 * @param lowerCase whether input must be lower-cased before tokenising (bge-small-zh's
 *     tokenizer.json has {@code lowercase:false}, so upper-case English words would become [UNK])
 * @param dimension embedding length
 */
public record EncoderSpec(String id, String resourceName, Pooling pooling, boolean lowerCase, int dimension) {

    String onnxResource() {
        return resourceName + ".onnx";
    }

    String tokenizerResource() {
        return resourceName + "-tokenizer.json";
    }
}
