package io.streamtune.cli.text;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.stream.Collectors;

import io.streamtune.common.event.Alert;

/**
 * One readable line per alert record, for {@code streamtune tail alerts --task T}:
 * <pre>
 * 2026-11-29 14:30:12 RAISED  finance Initech: bearish 79% (19 of 24) in 14:29:40-14:30:10, baseline 31% +- 8%, raise at 55% [v3,v4] e.g. finance-e-812
 * 2026-11-29 14:31:02 CLEARED finance Initech: bearish 12% (3 of 25) in 14:30:30-14:31:00, baseline 31% +- 8%, clear under 41%
 * 2026-11-29 14:33:40 DRIFT   finance label-mix (bearish) up: 0.31 -> 0.52 after 412 samples (Page-Hinkley 51.3 > 50.0) [v4]
 * </pre>
 * Times are UTC.
 */
public final class AlertLine {
    private static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private AlertLine() {}

    public static String of(Alert a) {
        StringBuilder sb = new StringBuilder();
        sb.append(DATE_TIME.format(Instant.ofEpochMilli(a.ts())))
                .append(' ')
                .append(String.format("%-7s", a.state()))
                .append(' ')
                .append(a.task())
                .append(' ');
        String versions = a.modelVersions().isEmpty()
                ? ""
                : " [" + a.modelVersions().stream().map(v -> "v" + v).collect(Collectors.joining(",")) + "]";
        if (a.state() == Alert.State.DRIFT && a.drift() != null) {
            Alert.Drift d = a.drift();
            sb.append(d.watched().wire())
                    .append(d.label() == null ? "" : " (" + d.label() + ")")
                    .append(' ')
                    .append(d.direction())
                    .append(String.format(
                            Locale.ROOT,
                            ": %.2f -> %.2f after %d samples (%s %.1f > %.1f)",
                            d.meanBefore(),
                            d.meanRecent(),
                            d.samples(),
                            d.detector(),
                            d.statistic(),
                            d.threshold()))
                    .append(versions);
            return sb.toString();
        }
        long label =
                a.counts() == null || a.alertLabel() == null ? 0 : a.counts().getOrDefault(a.alertLabel(), 0L);
        sb.append(a.entity())
                .append(": ")
                .append(a.alertLabel())
                .append(' ')
                .append(percent(a.share()))
                .append(" (")
                .append(label)
                .append(" of ")
                .append(a.total())
                .append(") in ")
                .append(a.windowStart() == null ? "?" : TIME.format(Instant.ofEpochMilli(a.windowStart())))
                .append('-')
                .append(a.windowEnd() == null ? "?" : TIME.format(Instant.ofEpochMilli(a.windowEnd())));
        if (a.baseline() != null) {
            sb.append(", baseline ")
                    .append(percent(a.baseline().mean()))
                    .append(" +- ")
                    .append(percent(a.baseline().spread()));
        }
        sb.append(a.state() == Alert.State.RAISED ? ", raise at " : ", clear under ")
                .append(percent(a.threshold()))
                .append(versions);
        if (!a.evidence().isEmpty()) {
            sb.append(" e.g. ")
                    .append(String.join(
                            ", ",
                            a.evidence()
                                    .subList(
                                            Math.max(0, a.evidence().size() - 3),
                                            a.evidence().size())));
        }
        return sb.toString();
    }

    private static String percent(Double v) {
        return v == null ? "?" : Math.round(v * 100) + "%";
    }
}
