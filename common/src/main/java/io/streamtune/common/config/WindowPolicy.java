package io.streamtune.common.config;

import java.time.Duration;

/**
 * When the trainer retrains a task and on what.
 *
 * @param retrainEvery   retrain when this many new examples have arrived
 * @param maxWait        or when this much time has passed since the last training ...
 * @param minNew         ... and at least this many new examples have arrived
 * @param size           the training set is the most recent {@code size} examples
 * @param holdoutPercent share of examples (by a hash of their id) kept out of training for the gate
 */
public record WindowPolicy(int retrainEvery, Duration maxWait, int minNew, int size, int holdoutPercent) {}
