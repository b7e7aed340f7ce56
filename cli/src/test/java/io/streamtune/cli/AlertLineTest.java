package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.streamtune.cli.text.AlertLine;
import io.streamtune.common.event.Alert;
import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertLineTest {

    @Test
    void shouldPrintOneReadableLinePerAlert() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("bearish", 19L);
        counts.put("neutral", 3L);
        counts.put("bullish", 2L);
        Alert raised = new Alert(
                "finance",
                "Initech",
                Alert.State.RAISED,
                1_764_426_580_000L,
                1_764_426_610_000L,
                counts,
                24L,
                "bearish",
                0.7917,
                new Alert.Baseline(0.31, 0.08, 12),
                0.55,
                List.of(3L, 4L),
                List.of("e-1", "e-2"),
                1_764_426_590_000L,
                null,
                1_764_426_612_000L);
        String line = TailCommand.alertOrRaw(new ConsumerRecord<>(
                "finance.alerts", 0, 7L, "Initech".getBytes(StandardCharsets.UTF_8), Json.write(raised)));
        assertEquals(
                "2025-11-29 14:30:12 RAISED  finance Initech: bearish 79% (19 of 24) in 14:29:40-14:30:10, baseline 31% +- 8%,"
                        + " raise at 55% [v3,v4] e.g. e-1, e-2",
                line);
        Alert drift = new Alert(
                "finance",
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
                List.of(4L),
                null,
                null,
                new Alert.Drift("page-hinkley", Alert.Watched.LABEL_MIX, "bearish", "up", 51.3, 50, 412, 0.31, 0.52),
                1_764_426_820_000L);
        assertEquals(
                "2025-11-29 14:33:40 DRIFT   finance label-mix (bearish) up: 0.31 -> 0.52 after 412 samples (page-hinkley 51.3 > 50.0) [v4]",
                AlertLine.of(drift));
        String raw = TailCommand.alertOrRaw(
                new ConsumerRecord<>("finance.alerts", 0, 8L, null, "not json".getBytes(StandardCharsets.UTF_8)));
        assertTrue(raw.endsWith("not json"), raw);
    }
}
