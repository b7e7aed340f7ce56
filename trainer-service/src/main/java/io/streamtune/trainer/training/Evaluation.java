package io.streamtune.trainer.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.streamtune.common.model.ModelMetrics;

/**
 * Classification quality on a labelled holdout: accuracy, per-label precision/recall/F1,
 * macro F1 and the confusion matrix (rows = truth, columns = prediction).
 *
 * <p>A label never predicted and never present has precision, recall and F1 of 0 and still
 * counts in the macro average, so a model that ignores a label is not flattered.
 */
public final class Evaluation {

    private final List<String> labels;
    private final int[][] confusion;
    private final long total;

    private Evaluation(List<String> labels, int[][] confusion, long total) {
        this.labels = labels;
        this.confusion = confusion;
        this.total = total;
    }

    /**
     * @param labels label names, index i = label i
     * @param truth true label index per example
     * @param predicted predicted label index per example
     */
    public static Evaluation of(List<String> labels, int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(
                    "truth and predictions differ in length: " + truth.length + " vs " + predicted.length);
        }
        int k = labels.size();
        int[][] c = new int[k][k];
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || truth[i] >= k || predicted[i] < 0 || predicted[i] >= k) {
                throw new IllegalArgumentException("label index out of range at example " + i);
            }
            c[truth[i]][predicted[i]]++;
        }
        return new Evaluation(List.copyOf(labels), c, truth.length);
    }

    public List<String> labels() {
        return labels;
    }

    public long size() {
        return total;
    }

    public double accuracy() {
        if (total == 0) {
            return 0;
        }
        long correct = 0;
        for (int i = 0; i < confusion.length; i++) {
            correct += confusion[i][i];
        }
        return (double) correct / total;
    }

    public double precision(int label) {
        long predicted = 0;
        for (int[] row : confusion) {
            predicted += row[label];
        }
        return predicted == 0 ? 0 : (double) confusion[label][label] / predicted;
    }

    public double recall(int label) {
        long actual = 0;
        for (int v : confusion[label]) {
            actual += v;
        }
        return actual == 0 ? 0 : (double) confusion[label][label] / actual;
    }

    public double f1(int label) {
        double p = precision(label);
        double r = recall(label);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public double macroF1() {
        double sum = 0;
        for (int i = 0; i < labels.size(); i++) {
            sum += f1(i);
        }
        return labels.isEmpty() ? 0 : sum / labels.size();
    }

    /** Copy of the confusion matrix, {@code [truth][predicted]}. */
    public int[][] confusion() {
        int[][] copy = new int[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    public ModelMetrics toMetrics() {
        Map<String, Double> f1 = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            f1.put(labels.get(i), f1(i));
        }
        return new ModelMetrics(accuracy(), macroF1(), total, f1);
    }

    /** Per-label table and confusion matrix as plain text. */
    public String report() {
        int w = 9;
        for (String l : labels) {
            w = Math.max(w, l.length() + 1);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-" + w + "s %9s %9s %9s %9s%n", "label", "precision", "recall", "f1", "support"));
        for (int i = 0; i < labels.size(); i++) {
            long support = 0;
            for (int v : confusion[i]) {
                support += v;
            }
            sb.append(String.format(
                    "%-" + w + "s %9.4f %9.4f %9.4f %9d%n", labels.get(i), precision(i), recall(i), f1(i), support));
        }
        sb.append(String.format("%-" + w + "s %9s %9s %9.4f %9d%n", "macro", "", "", macroF1(), total));
        sb.append(String.format("%-" + w + "s %9s %9s %9.4f %9d%n", "accuracy", "", "", accuracy(), total));
        sb.append(String.format("%nconfusion (rows = truth, columns = predicted)%n"));
        sb.append(String.format("%-" + w + "s", ""));
        for (String l : labels) {
            sb.append(String.format(" %" + w + "s", l));
        }
        sb.append(System.lineSeparator());
        for (int i = 0; i < labels.size(); i++) {
            sb.append(String.format("%-" + w + "s", labels.get(i)));
            for (int j = 0; j < labels.size(); j++) {
                sb.append(String.format(" %" + w + "d", confusion[i][j]));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}
