package io.streamtune.cli.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one step of the fault suite did and found: its fault, the recovery times it measured, the
 * versions in service after it, step-specific findings and the problems it saw; the delivery figures
 * come from the {@link DeliveryLedger} (once when the step ends, again after the final drain).
 *
 * <p>Times are milliseconds: {@code backToRunningMs} from the restart of the component to its
 * {@code /health} saying Kafka Streams RUNNING (the scorer) or UP (the trainer), polled every 100 ms;
 * {@code killToRunningMs} from the kill; {@code resumedMs} from the restart to the first prediction read
 * for an event produced after the fault began (steps that interrupt scoring: scorer or broker killed).
 */
public final class StepResult {
    private final int index;
    private final String name;
    private final String fault;
    private Long backToRunningMs;
    private Long killToRunningMs;
    private Long resumedMs;
    private Long interruptedAt;
    private Long restartedAt;
    private Map<String, Long> serving = Map.of();
    private double loadAverage = Double.NaN;
    private final Map<String, Object> details = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    /**
     * @param index the step's number, also the ledger's step of the records produced during it
     * @param name  e.g. {@code scorer-kill #2}
     * @param fault what is done, e.g. {@code kill -9 the scorer, restart it}
     */
    public StepResult(int index, String name, String fault) {
        this.index = index;
        this.name = name;
        this.fault = fault;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    public String fault() {
        return fault;
    }

    public void backToRunning(long ms) {
        backToRunningMs = ms;
    }

    public void killToRunning(long ms) {
        killToRunningMs = ms;
    }

    public void resumed(long ms) {
        resumedMs = ms;
    }

    /**
     * Scoring was interrupted at {@code faultAt} (epoch ms: the scorer or the broker killed) and the component
     * restarted at {@code restartAt}: the step measures when scoring resumed ({@code resumedMs}).
     */
    public void interrupted(long faultAt, long restartAt) {
        interruptedAt = faultAt;
        restartedAt = restartAt;
    }

    public Long interruptedAt() {
        return interruptedAt;
    }

    public Long restartedAt() {
        return restartedAt;
    }

    public Long backToRunningMs() {
        return backToRunningMs;
    }

    public Long resumedMs() {
        return resumedMs;
    }

    public void serving(Map<String, Long> versions) {
        serving = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    }

    public Map<String, Long> serving() {
        return serving;
    }

    public void loadAverage(double load) {
        loadAverage = load;
    }

    /** A step-specific finding, kept in order (JSON-serialisable value). */
    public void detail(String key, Object value) {
        details.put(key, value);
    }

    public Map<String, Object> details() {
        return details;
    }

    /** Something the step found wrong: a fault still there, a check that failed. */
    public void problem(String what) {
        problems.add(what);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** One line of figures, e.g. {@code events 412 | predictions 412 | dead letters 0 | lost 0 | ...}. */
    public String line(DeliveryLedger.StepCounts c) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "events %d%s | predictions %d | dead letters %d%s | lost %d | duplicated %d",
                c.eventsIn(),
                c.injectedIn() > 0 ? " (+" + c.injectedIn() + " injected)" : "",
                c.predictions(),
                c.deadLetterTotal(),
                c.deadLetters().isEmpty() ? "" : " " + c.deadLetters(),
                c.lost(),
                c.duplicated()));
        if (c.predictedAndDeadLettered() > 0) {
            s.append(" | predicted and dead-lettered ").append(c.predictedAndDeadLettered());
        }
        if (c.sendFailures() > 0) {
            s.append(" | not sent ").append(c.sendFailures());
        }
        s.append(" | back to RUNNING ").append(seconds(backToRunningMs));
        if (killToRunningMs != null) {
            s.append(" (from the kill ").append(seconds(killToRunningMs)).append(')');
        }
        s.append(" | scoring resumed ").append(seconds(resumedMs));
        s.append(" | serving ").append(servingText());
        s.append(String.format(Locale.ROOT, " | load %.1f", loadAverage));
        return s.toString();
    }

    /** e.g. {@code reviews=v5 finance=v4}; {@code none} for a task without a version (0). */
    public String servingText() {
        if (serving.isEmpty()) {
            return "(no answer)";
        }
        StringBuilder s = new StringBuilder();
        serving.forEach((task, v) -> s.append(s.length() == 0 ? "" : " ")
                .append(task)
                .append('=')
                .append(v == null || v <= 0 ? "none" : "v" + v));
        return s.toString();
    }

    /** The step as one JSON-ready map, with the figures {@code c}. */
    public Map<String, Object> toMap(DeliveryLedger.StepCounts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", name);
        m.put("fault", fault);
        m.put("eventsIn", c.eventsIn());
        m.put("injectedIn", c.injectedIn());
        m.put("examplesIn", c.examplesIn());
        m.put("predictions", c.predictions());
        m.put("deadLetters", c.deadLetters());
        m.put("exampleDeadLetters", c.exampleDeadLetters());
        m.put("lost", c.lost());
        m.put("duplicated", c.duplicated());
        m.put("predictedAndDeadLettered", c.predictedAndDeadLettered());
        m.put("sendFailures", c.sendFailures());
        m.put("backToRunningMs", backToRunningMs);
        m.put("killToRunningMs", killToRunningMs);
        m.put("resumedMs", resumedMs);
        m.put("serving", serving);
        m.put("loadAverage", Double.isNaN(loadAverage) ? null : Math.round(loadAverage * 100) / 100.0);
        m.put("details", details);
        m.put("problems", problems);
        return m;
    }

    static String seconds(Long ms) {
        return ms == null ? "n/a" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
