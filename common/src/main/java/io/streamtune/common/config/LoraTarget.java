package io.streamtune.common.config;

/**
 * A weight matrix of every BERT layer that LoRA can adapt (Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large
 * Language Models"; the paper adapts the attention's query and value projections). Configuration names them in
 * lower case: {@code finetune.lora.targets: [query, value]}.
 */
public enum LoraTarget {
    /** {@code attention.self.query}. */
    QUERY("attention.self.query"),
    /** {@code attention.self.key}. */
    KEY("attention.self.key"),
    /** {@code attention.self.value}. */
    VALUE("attention.self.value"),
    /** {@code attention.output.dense}: the attention's output projection. */
    ATTENTION_OUTPUT("attention.output.dense"),
    /** {@code intermediate.dense}: the feed-forward block's first matrix. */
    INTERMEDIATE("intermediate.dense"),
    /** {@code output.dense}: the feed-forward block's second matrix. */
    OUTPUT("output.dense");

    private final String module;

    LoraTarget(String module) {
        this.module = module;
    }

    /** The module's name inside a layer, after Hugging Face's BERT ({@code attention.self.query}). */
    public String module() {
        return module;
    }
}
