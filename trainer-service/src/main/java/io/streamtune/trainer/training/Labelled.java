package io.streamtune.trainer.training;

import java.util.List;

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
        return examples.stream().map(e -> new Labelled(ModelInput.of(e), e.label())).toList();
    }

    /** A labelled text. */
    public static Labelled text(String text, String label) {
        return new Labelled(new ModelInput.Text(text), label);
    }
}
