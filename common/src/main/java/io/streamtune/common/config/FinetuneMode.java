package io.streamtune.common.config;

/**
 * How much of a pretrained text encoder a fine-tuning challenger trains (tier 2).
 *
 * <ul>
 *   <li>{@link #NONE}: the encoder stays frozen; only heads are trained (tier 1).</li>
 *   <li>{@link #BITFIT}: the encoder's bias terms and the head (Ben Zaken et al., 2022, "BitFit").</li>
 *   <li>{@link #LORA}: low-rank adapters on chosen weight matrices and the head
 *       (Hu et al., 2021, "LoRA"): W' = W + (alpha / rank) A B.</li>
 *   <li>{@link #FULL}: every encoder weight and the head.</li>
 * </ul>
 */
public enum FinetuneMode {
    NONE,
    BITFIT,
    LORA,
    FULL
}
