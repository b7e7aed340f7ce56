package io.streamtune.common.model;

import java.util.Map;

/**
 * The result of classifying one text.
 *
 * @param label the most probable label
 * @param labelIndex its index in the model's label list
 * @param scores softmax probability per label, insertion-ordered by label order
 */
public record Classification(String label, int labelIndex, Map<String, Double> scores) {}
