package io.streamtune.common;

import ai.djl.engine.Engine;

/**
 * Loads the DJL engines and prints what they found: engine versions and GPU count. Run at image
 * build time (online) it makes DJL fetch the CUDA natives into its cache, so the running
 * trainer needs no download; run anywhere else it tells whether training will use a GPU.
 *
 * <pre>{@code
 * java -cp "lib/*" io.streamtune.common.EngineCheck
 * }</pre>
 */
public final class EngineCheck {
    private EngineCheck() {}

    public static void main(String[] args) {
        Engine pytorch = Engine.getEngine("PyTorch");
        System.out.println("PyTorch engine " + pytorch.getVersion() + ", GPUs: " + pytorch.getGpuCount()
                + ", default device: " + pytorch.defaultDevice());
        Engine ort = Engine.getEngine("OnnxRuntime");
        System.out.println("OnnxRuntime engine " + ort.getVersion());
    }
}
