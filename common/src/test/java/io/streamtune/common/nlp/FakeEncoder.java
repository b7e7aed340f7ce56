package io.streamtune.common.nlp;

import java.util.ArrayList;
import java.util.List;

/** Deterministic stand-in encoder for tests that must not load ONNX: records its calls. */
public final class FakeEncoder implements TextEncoder {
    public final List<List<String>> calls = new ArrayList<>();
    public boolean closed;
    private final int dimension;

    public FakeEncoder(int dimension) {
        this.dimension = dimension;
    }

    @Override
    public String id() {
        return "fake";
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String checksum() {
        return "00";
    }

    @Override
    public synchronized float[][] encode(List<String> texts) {
        calls.add(List.copyOf(texts));
        float[][] out = new float[texts.size()][dimension];
        for (int i = 0; i < texts.size(); i++) {
            int h = texts.get(i).hashCode();
            for (int k = 0; k < dimension; k++) {
                out[i][k] = ((h >>> (k % 31)) & 1) == 1 ? 1f : -1f;
            }
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
