package io.streamtune.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static io.streamtune.trainer.TrainerFixture.await;
import static io.streamtune.trainer.TrainerFixture.config;
import static io.streamtune.trainer.TrainerFixture.events;
import static io.streamtune.trainer.TrainerFixture.examples;
import static io.streamtune.trainer.TrainerFixture.options;
import static io.streamtune.trainer.TrainerFixture.produce;
import static io.streamtune.trainer.TrainerFixture.produceRaw;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 13: the trainer reads its tasks' {@code <task>.alerts} and retrains on the monitor's DRIFT record at once,
 * with {@code retrainEvery} and {@code maxWait} far away; surge alerts on the same topic do not trigger it.
 */
class TrainerDriftIT {

    private static Alert raised(String task) {
        return new Alert(
                task,
                "Initech",
                Alert.State.RAISED,
                0L,
                30_000L,
                Map.of("negative", 19L, "positive", 5L),
                24L,
                "negative",
                0.79,
                new Alert.Baseline(0.3, 0.08, 12),
                0.55,
                List.of(),
                List.of("e-1"),
                1_000L,
                null,
                System.currentTimeMillis());
    }

    private static Alert drift(String task) {
        return new Alert(
                task,
                null,
                Alert.State.DRIFT,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(1L),
                List.of(),
                null,
                new Alert.Drift("page-hinkley", Alert.Watched.ERROR_RATE, null, "up", 51.3, 50.0, 412, 0.08, 0.31),
                System.currentTimeMillis());
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRetrainOnADriftRecordWithoutWaitingForRetrainEvery() throws Exception {
        String task = SharedKafka.uniqueName("drift");
        StreamtuneConfig config = config(task, 100_000, 400); // retrainEvery 100000 and maxWait 10m: neither fires
        String alerts = TaskTopics.of(task).alerts();
        try (TrainerService trainer = new TrainerService(config, options())) {
            trainer.start();
            produce(TaskTopics.of(task).examples(), examples(task, "a", 120, null, false));
            await("the 120 examples in the window", Duration.ofSeconds(60), () -> windowed(trainer, task) == 120);
            produceRaw(alerts, List.of("Initech".getBytes(StandardCharsets.UTF_8)), List.of(Json.write(raised(task))));
            produceRaw(alerts, List.of(task.getBytes(StandardCharsets.UTF_8)), List.of(Json.write(drift(task))));

            await(
                    "a decision after the drift record",
                    Duration.ofSeconds(90),
                    () -> !events(task).isEmpty());
            List<ModelEvent> decisions = events(task);
            assertEquals(1, decisions.size(), "one retrain for one drift record: " + decisions);
            assertEquals("drift (page-hinkley on error-rate)", decisions.get(0).trigger());
            assertEquals(ModelEvent.Decision.PUBLISHED, decisions.get(0).decision());
        }
    }

    /** Training plus holdout examples the trainer's window holds, from its health document. */
    @SuppressWarnings("unchecked")
    private static long windowed(TrainerService trainer, String task) {
        Map<String, Object> state =
                (Map<String, Object>) ((Map<String, Object>) trainer.health().get("tasks")).get(task);
        return state == null
                ? -1
                : ((Number) state.get("windowExamples")).longValue()
                        + ((Number) state.get("holdoutExamples")).longValue();
    }
}
