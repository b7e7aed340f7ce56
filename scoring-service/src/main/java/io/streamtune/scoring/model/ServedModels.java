package io.streamtune.scoring.model;

import java.util.OptionalLong;

/**
 * What a scoring processor needs from the model registry: the version in service per task, with a
 * reference that keeps it open while a batch uses it. {@link ModelRegistry} is the implementation;
 * processor tests pass a fake.
 */
public interface ServedModels {

    /**
     * The version in service of {@code task} with one more reference, or null while none is. The caller
     * must {@link ModelHandle#release()} it.
     */
    ModelHandle acquire(String task);

    /** The version in service of {@code task}, or empty. */
    OptionalLong servedVersion(String task);

    /** The version of {@code task} an operator pinned, or empty. */
    OptionalLong pin(String task);
}
