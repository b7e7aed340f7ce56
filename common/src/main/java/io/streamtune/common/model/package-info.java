/**
 * Model versions: immutable, self-describing artifacts (metadata + head weights), their
 * compatibility checks, and the {@link io.streamtune.common.model.Classifier} that serves one.
 */
package io.streamtune.common.model;
