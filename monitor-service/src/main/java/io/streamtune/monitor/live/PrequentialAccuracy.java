package io.streamtune.monitor.live;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prequential ("test, then train") quality of one model version over a sliding window of the last
 * {@code size} joined (predicted, true) label pairs: each pair is scored once, against the version
 * that made the prediction (Gama, Sebastião and Rodrigues, "On evaluating stream learning
 * algorithms", Machine Learning 90, 2013, use such sliding windows for prequential error). The
 * window is a count of pairs, not a time span: accuracy then always rests on the same amount of
 * evidence, however slowly labels come.
 *
 * <p>Accuracy is the share of pairs whose labels agree; macro-F1 is the unweighted mean of the
 * per-label F1 over the labels that occur in the window (predicted or true). A confusion matrix is
 * kept up to date as pairs enter and leave, so reading either is O(labels^2).
 */
public final class PrequentialAccuracy {
    private final int size;
    private final int labels;
    private final byte[] predicted;
    private final byte[] truth;
    private final long[][] confusion;
    private int next;
    private int count;
    private long total;

    public PrequentialAccuracy(int size, int labels) {
        if (labels > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Byte.MAX_VALUE + " labels, got " + labels);
        }
        this.size = size;
        this.labels = labels;
        this.predicted = new byte[size];
        this.truth = new byte[size];
        this.confusion = new long[labels][labels];
    }

    /** Adds a pair; the oldest leaves when the window is full. */
    public void add(int predictedLabel, int trueLabel) {
        if (count == size) {
            confusion[truth[next]][predicted[next]]--;
        } else {
            count++;
        }
        predicted[next] = (byte) predictedLabel;
        truth[next] = (byte) trueLabel;
        confusion[trueLabel][predictedLabel]++;
        next = (next + 1) % size;
        total++;
    }

    /** Pairs in the window. */
    public int pairs() {
        return count;
    }

    /** Pairs ever added. */
    public long total() {
        return total;
    }

    public int size() {
        return size;
    }

    public double accuracy() {
        if (count == 0) {
            return 0;
        }
        long right = 0;
        for (int i = 0; i < labels; i++) {
            right += confusion[i][i];
        }
        return (double) right / count;
    }

    /** F1 per label that occurs in the window, in label order. */
    public Map<String, Double> f1PerLabel(List<String> names) {
        Map<String, Double> f1 = new LinkedHashMap<>();
        for (int l = 0; l < labels; l++) {
            long tp = confusion[l][l];
            long trueL = 0;
            long predL = 0;
            for (int k = 0; k < labels; k++) {
                trueL += confusion[l][k];
                predL += confusion[k][l];
            }
            if (trueL + predL == 0) {
                continue;
            }
            f1.put(names.get(l), 2.0 * tp / (trueL + predL));
        }
        return f1;
    }

    public double macroF1(List<String> names) {
        Map<String, Double> f1 = f1PerLabel(names);
        return f1.isEmpty()
                ? 0
                : f1.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElse(0);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 4 + 4 + 8 + 2 * size);
        b.putInt(size)
                .putInt(labels)
                .putInt(next)
                .putInt(count)
                .putLong(total)
                .put(predicted)
                .put(truth);
        return b.array();
    }

    /** Reads a stored window; one of another size or label count (configuration changed) starts empty. */
    public static PrequentialAccuracy fromBytes(byte[] bytes, int size, int labels) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int storedSize = b.getInt();
        int storedLabels = b.getInt();
        PrequentialAccuracy p = new PrequentialAccuracy(size, labels);
        if (storedSize != size || storedLabels != labels) {
            return p;
        }
        p.next = b.getInt();
        p.count = b.getInt();
        p.total = b.getLong();
        b.get(p.predicted).get(p.truth);
        for (int i = 0; i < p.count; i++) { // filled from slot 0 on; a full window fills every slot
            p.confusion[p.truth[i]][p.predicted[i]]++;
        }
        return p;
    }
}
