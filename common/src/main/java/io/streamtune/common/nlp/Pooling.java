package io.streamtune.common.nlp;

/**
 * How token vectors become one sentence vector. Each model was trained with one of these;
 * using the other one silently degrades its embeddings.
 */
public enum Pooling {
    /** Mean of the token vectors under the attention mask (sentence-transformers MiniLM). */
    MEAN,
    /** The vector of the first ([CLS]) token (BGE models). */
    CLS
}
