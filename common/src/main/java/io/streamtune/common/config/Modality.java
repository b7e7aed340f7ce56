package io.streamtune.common.config;

/** What a task classifies. */
public enum Modality {
    TEXT,
    IMAGE
}
