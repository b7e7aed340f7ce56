package io.streamtune.common.model;

import java.util.Map;

/**
 * Quality of a model version on its holdout.
 *
 * @param accuracy fraction of holdout examples classified correctly
 * @param macroF1 unweighted mean of the per-label F1 scores
 * @param holdoutSize number of holdout examples
 * @param f1PerLabel F1 per label, in label order
 */
public record ModelMetrics(double accuracy, double macroF1, long holdoutSize, Map<String, Double> f1PerLabel) {}
