package io.streamtune.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A task's {@code finetune} section and the {@code artifacts} section, as {@link StreamtuneConfig} reads them. */
class FinetuneTaskConfigTest {

    private static StreamtuneConfig parse(String yaml) throws ConfigException {
        return StreamtuneConfig.parse(yaml, Map.of(), Map.of());
    }

    @Test
    void shouldKeepTheEncoderFrozenWhenATaskSaysNothing() throws Exception {
        TaskConfig t =
                parse("tasks: [{name: reviews, labels: [neg, pos]}]").tasks().get("reviews");
        assertEquals(FinetuneMode.NONE, t.finetune().mode());
        assertFalse(t.finetune().enabled());
        assertEquals(5, t.finetune().every());
        assertEquals(FinetunePolicy.none(), t.finetune());
    }

    @Test
    void shouldReadTheFinetuneSectionAndItsCadenceIntoTheTask() throws Exception {
        TaskConfig t = parse("""
                tasks:
                  - name: finance
                    labels: [bearish, bullish, neutral]
                    encoder: bge-small-en-v1.5
                    finetune:
                      mode: lora
                      every: 3
                      epochs: 1
                      maxLength: 32
                      lora: {rank: 4, alpha: 8, targets: [query, value, output]}
                """).tasks().get("finance");
        assertTrue(t.finetune().enabled());
        assertEquals(3, t.finetune().every());
        FinetuneOptions o = t.finetune().options();
        assertEquals(FinetuneMode.LORA, o.mode());
        assertEquals(1, o.epochs());
        assertEquals(32, o.maxLength());
        assertEquals(4, o.loraRank());
        assertEquals(Set.of(LoraTarget.QUERY, LoraTarget.VALUE, LoraTarget.OUTPUT), o.loraTargets());
        assertEquals(FinetuneSettings.SEED.defaultValue().longValue(), o.seed(), "unset keys keep their defaults");
    }

    @Test
    void shouldNameEveryWrongFinetuneKeyOfTheTask() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                tasks:
                  - name: finance
                    labels: [a, b]
                    finetune: {mode: adapters, every: 0, epochs: x}
                """));
        String m = e.getMessage();
        assertTrue(m.contains("tasks[0] (finance).finetune.mode"), m);
        assertTrue(m.contains("tasks[0] (finance).finetune.every"), m);
        assertTrue(m.contains("tasks[0] (finance).finetune.epochs"), m);
    }

    @Test
    void shouldRefuseFineTuningAnImageTaskOrAQuantizedEncoder() {
        ConfigException image = assertThrows(ConfigException.class, () -> parse("""
                tasks:
                  - {name: photos, labels: [cat, dog], modality: image, finetune: {mode: full}}
                """));
        assertTrue(image.getMessage().contains("tasks[0] (photos).finetune.mode"), image.getMessage());
        ConfigException quantized = assertThrows(ConfigException.class, () -> parse("""
                tasks:
                  - {name: q, labels: [a, b], encoder: all-minilm-l6-v2-q, finetune: {mode: lora}}
                """));
        assertTrue(quantized.getMessage().contains("tasks[0] (q).finetune.mode"), quantized.getMessage());
        assertTrue(quantized.getMessage().contains("all-minilm-l6-v2"), quantized.getMessage());
    }

    @Test
    void shouldAcceptAQuantizedEncoderThatIsNotFineTuned() throws Exception {
        TaskConfig t = parse("tasks: [{name: q, labels: [a, b], encoder: all-minilm-l6-v2-q}]")
                .tasks()
                .get("q");
        assertEquals("all-minilm-l6-v2-q", t.encoder());
    }

    @Test
    void shouldReadTheArtifactsSectionWithTheEnvironmentOverridingTheDirectory() throws Exception {
        String yaml = """
                artifacts: {dir: /srv/blobs, inlineMaxBytes: 1048576, gcMinAge: 10m}
                tasks: [{name: t, labels: [a, b]}]
                """;
        ArtifactSettings a = parse(yaml).artifacts();
        assertEquals(new ArtifactSettings(Path.of("/srv/blobs"), 1 << 20, Duration.ofMinutes(10)), a);
        ArtifactSettings env = StreamtuneConfig.parse(yaml, Map.of(ArtifactSettings.DIR_ENV, "/mnt/shared"), Map.of())
                .artifacts();
        assertEquals(Path.of("/mnt/shared"), env.dir());
        assertEquals(
                ArtifactSettings.defaults(),
                parse("tasks: [{name: t, labels: [a, b]}]").artifacts());
        assertEquals(
                Path.of(".streamtune/artifacts"), ArtifactSettings.defaults().dir());
        assertEquals(4 << 20, ArtifactSettings.defaults().inlineMaxBytes());
    }

    @Test
    void shouldRefuseAnInlineLimitAModelRecordCouldNotCarry() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                artifacts: {inlineMaxBytes: 12000000}
                tasks: [{name: t, labels: [a, b]}]
                """));
        assertTrue(e.getMessage().contains("artifacts.inlineMaxBytes"), e.getMessage());
        // 6 MiB inline grow to about 10.7 MiB in the published event (base64 twice): still a model record.
        assertTrue(ArtifactSettings.MAX_INLINE_BYTES * 16L / 9 + (64 << 10) < Limits.MODEL_BYTES);
    }

    @Test
    void shouldRefuseAMisspeltArtifactsKeyAndAcceptFinetuneEvery() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                artifacts: {directory: /srv/blobs}
                tasks: [{name: t, labels: [a, b]}]
                """));
        assertTrue(e.getMessage().contains("artifacts.directory"), e.getMessage());
        assertEquals(
                2,
                parse("tasks: [{name: t, labels: [a, b], finetune: {every: 2}}]")
                        .tasks()
                        .get("t")
                        .finetune()
                        .every(),
                "finetune.every is a known task key");
    }

    @Test
    void shouldKeepTheOldConstructorsCompilingWithoutFineTuning() {
        TaskConfig t = new TaskConfig(
                "t",
                Modality.TEXT,
                List.of("a", "b"),
                "e",
                128,
                100,
                100,
                new WindowPolicy(10, Duration.ofMinutes(1), 1, 100, 10),
                new GatePolicy(0, 0),
                HeadPolicy.defaults());
        assertEquals(FinetunePolicy.none(), t.finetune());
        FinetunePolicy lora = new FinetunePolicy(FinetuneOptions.defaults(FinetuneMode.LORA), 2);
        assertEquals(lora, t.withFinetune(lora).finetune());
    }
}
