package io.streamtune.common.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinetuneSettingsTest {

    static JsonNode yaml(String text) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(text);
    }

    @Test
    void shouldGiveTheDefaultsWithoutAFinetuneSection() throws Exception {
        List<String> problems = new ArrayList<>();
        FinetuneOptions o = FinetuneSettings.read(yaml("name: t"), "tasks[0] (t)", problems);
        assertEquals(List.of(), problems);
        assertEquals(FinetuneMode.NONE, o.mode());
        assertEquals(Set.of(LoraTarget.QUERY, LoraTarget.VALUE), o.loraTargets());
        assertEquals(8, o.loraRank());
        assertEquals(5e-5, o.withMode(FinetuneMode.FULL).effectiveLearningRate());
    }

    @Test
    void shouldShowDefaultsAsTheyAreWrittenInTheFile() {
        assertEquals(
                "[query, value]", FinetuneSettings.LORA_TARGETS.defaultText(), "lower case, as the file takes them");
        assertEquals(
                "(none)", CnnSettings.PRETRAINED.defaultText(), "an optional key without a default is not required");
    }

    @Test
    void shouldReadEveryKeyInListAndStringForm() throws Exception {
        List<String> problems = new ArrayList<>();
        FinetuneOptions o = FinetuneSettings.read(yaml("""
                finetune:
                  mode: LoRA
                  lora: {rank: 4, alpha: 8, targets: [query, key, attention_output]}
                  learningRate: 0.0002
                  headLearningRate: 0.001
                  warmup: 0.06
                  epochs: 2
                  maxLength: 64
                  batchSize: 16
                  gradientClip: 0.5
                  weightDecay: 0
                  seed: 7
                  mixedPrecision: false
                """), "tasks[0] (t)", problems);
        assertEquals(List.of(), problems);
        assertEquals(
                new FinetuneOptions(
                        FinetuneMode.LORA,
                        4,
                        8,
                        Set.of(LoraTarget.QUERY, LoraTarget.KEY, LoraTarget.ATTENTION_OUTPUT),
                        2e-4,
                        1e-3,
                        0.06,
                        2,
                        64,
                        16,
                        0.5,
                        0,
                        7,
                        false),
                o);
        FinetuneOptions s = FinetuneSettings.read(yaml("finetune: {lora: {targets: 'value, output'}}"), "t", problems);
        assertEquals(Set.of(LoraTarget.VALUE, LoraTarget.OUTPUT), s.loraTargets());
    }

    @Test
    void shouldNameEachWrongKey() throws Exception {
        List<String> problems = new ArrayList<>();
        FinetuneSettings.read(
                yaml("finetune: {mode: adapters, lora: {rank: 0, targets: [query, gate]}, epochs: x}"),
                "tasks[1] (fin)",
                problems);
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("tasks[1] (fin).finetune.mode"), problems.get(0));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("tasks[1] (fin).finetune.lora.rank")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("tasks[1] (fin).finetune.lora.targets")));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("tasks[1] (fin).finetune.epochs")));
    }

    @Test
    void shouldRefuseOptionsOutOfRangeNamingTheKey() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FinetuneOptions.defaults(FinetuneMode.LORA).withBatchSize(0));
        assertTrue(e.getMessage().contains("finetune.batchSize"));
    }
}
