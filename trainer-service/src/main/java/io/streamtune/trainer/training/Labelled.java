package io.streamtune.trainer.training;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.streamtune.common.event.Example;
import io.streamtune.common.model.ModelInput;

/**
 * One labelled input: what the learning core trains and evaluates on.
 *
 * @param input a text or an image
 * @param label one of the task's labels
 */
public record Labelled(ModelInput input, String label) {

    /** The inputs and labels of validated examples, in order. */
    public static List<Labelled> of(List<Example> examples) {
        return examples.stream()
                .map(e -> new Labelled(ModelInput.of(e), e.label()))
                .toList();
    }

    /** A labelled text. */
    public static Labelled text(String text, String label) {
        return new Labelled(new ModelInput.Text(text), label);
    }

    /**
     * The index in {@code labels} of each example's label, in order.
     *
     * @return {@code [examples.size()]}, each in {@code [0, labels.size())}
     * @throws IllegalArgumentException naming the first example whose label is not in {@code labels}
     */
    public static int[] labelIndices(List<String> labels, List<Labelled> examples) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
        int[] y = new int[examples.size()];
        for (int i = 0; i < y.length; i++) {
            Integer k = index.get(examples.get(i).label());
            if (k == null) {
                throw new IllegalArgumentException(
                        "example " + i + " has label '" + examples.get(i).label() + "' not in " + labels);
            }
            y[i] = k;
        }
        return y;
    }
}
