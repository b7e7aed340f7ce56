package io.streamtune.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitorPolicyTest {

    @Test
    void shouldLeaveATaskWithoutAlertLabelUnmonitored() throws Exception {
        TaskConfig t = StreamtuneConfig.parse("tasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of())
                .requireTask("t");
        assertFalse(t.monitor().active());
        assertEquals("entity", t.monitor().entityAttribute());
        assertEquals(MonitorPolicy.defaults(), t.monitor());
    }

    @Test
    void shouldKeepTheOldConstructorCompilingWithMonitoringOff() {
        TaskConfig t = new TaskConfig(
                "t",
                Modality.TEXT,
                List.of("a", "b"),
                "e",
                128,
                100,
                100,
                new WindowPolicy(1, Duration.ofSeconds(1), 1, 10, 10),
                new GatePolicy(0, 0),
                HeadPolicy.defaults());
        assertFalse(t.monitor().active());
    }

    @Test
    void shouldReadTheMonitorBlock() throws Exception {
        TaskConfig t = StreamtuneConfig.parse("""
                tasks:
                  - name: finance
                    labels: [bearish, neutral, bullish]
                    monitor:
                      alertLabel: bearish
                      entityAttribute: company
                      window: 30s
                      advance: 5s
                      grace: 2s
                      minCount: 8
                      baseline: {alpha: 0.2, warmup: 2}
                      rule: {margin: 0.25, zScore: 2, clearMargin: 0.1}
                      maxEntities: 50
                      labelJoinWindow: 2m
                      accuracyWindow: 100
                      drift: {delta: 0.1, lambda: 30, warmup: 50, coolDown: 1m}
                """, Map.of(), Map.of()).requireTask("finance");
        MonitorPolicy m = t.monitor();
        assertTrue(m.active());
        assertEquals("bearish", m.alertLabel());
        assertEquals("company", m.entityAttribute());
        assertEquals(Duration.ofSeconds(30), m.window());
        assertEquals(6, m.hops());
        assertEquals(8, m.minCount());
        assertEquals(0.2, m.baselineAlpha());
        assertEquals(0.25, m.margin());
        assertEquals(50, m.maxEntities());
        assertEquals(Duration.ofMinutes(2), m.labelJoinWindow());
        assertEquals(new MonitorPolicy.DriftPolicy(true, 0.1, 30, 50, Duration.ofMinutes(1)), m.drift());
    }

    @Test
    void shouldNameTheKeyOfEveryInconsistentMonitorSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - name: a
                    labels: [neg, pos]
                    monitor: {alertLabel: bearish}
                  - name: b
                    labels: [neg, pos]
                    monitor: {alertLabel: neg, window: 10s, advance: 20s}
                  - name: c
                    labels: [neg, pos]
                    monitor: {alertLabel: neg, window: 10s, advance: 3s, rule: {margin: 0.1, clearMargin: 0.1}}
                  - name: d
                    labels: [neg, pos]
                    monitor: {alertLabel: neg, minCount: 0}
                """, Map.of(), Map.of()));
        String m = e.getMessage();
        assertTrue(
                m.contains("tasks[0] (a).monitor.alertLabel: 'bearish' is not one of the task's labels [neg, pos]"), m);
        assertTrue(m.contains("tasks[1] (b).monitor.advance"), m);
        assertTrue(m.contains("tasks[2] (c).monitor.window: 10s must be a multiple of monitor.advance 3s"), m);
        assertTrue(m.contains("tasks[2] (c).monitor.rule.clearMargin"), m);
        assertTrue(m.contains("tasks[3] (d).monitor.minCount"), m);
        assertEquals(5, e.problems().size(), m);
    }

    @Test
    void shouldAcceptTheMonitoringSection() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.parse(
                "monitoring: {metricsPort: 0}\ntasks: [{name: t, labels: [a, b]}]", Map.of(), Map.of());
        assertEquals(0, c.section("monitoring").path("metricsPort").asInt());
    }
}
