package io.streamtune.common.config;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One declared setting: its key (relative to the section that holds it), type, default,
 * validation and a one-line doc. {@link #read} records a problem naming the full key instead of
 * throwing, so a start reports every mistake at once.
 *
 * <pre>{@code
 * static final Setting<Integer> SIZE = Setting.integer("window.size", 20_000, 1, Integer.MAX_VALUE, "examples in the sliding window");
 * int size = SIZE.read(taskNode, "tasks[0]", problems);
 * }</pre>
 */
public final class Setting<T> {
    private final String key;
    private final T defaultValue;
    private final String type;
    private final Function<JsonNode, T> parse;
    private final Predicate<T> valid;
    private final String constraint;
    private final String doc;

    private Setting(
            String key,
            T defaultValue,
            String type,
            Function<JsonNode, T> parse,
            Predicate<T> valid,
            String constraint,
            String doc) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.type = type;
        this.parse = parse;
        this.valid = valid;
        this.constraint = constraint;
        this.doc = doc;
    }

    public static Setting<Integer> integer(String key, int def, int min, int max, String doc) {
        return new Setting<>(
                key,
                def,
                "integer",
                n -> n.isIntegralNumber() && n.canConvertToInt() ? n.intValue() : null,
                v -> v >= min && v <= max,
                "between " + min + " and " + max,
                doc);
    }

    public static Setting<Double> decimal(String key, double def, double min, double max, String doc) {
        return new Setting<>(
                key,
                def,
                "number",
                n -> n.isNumber() ? n.doubleValue() : null,
                v -> v >= min && v <= max,
                "between " + min + " and " + max,
                doc);
    }

    public static Setting<String> string(String key, String def, String doc) {
        return new Setting<>(
                key,
                def,
                "string",
                n -> n.isTextual() && !n.asText().isBlank() ? n.asText().trim() : null,
                v -> true,
                "a non-empty string",
                doc);
    }

    public static Setting<String> oneOf(String key, String def, List<String> allowed, String doc) {
        return new Setting<>(
                key,
                def,
                "one of " + allowed,
                n -> n.isTextual() ? n.asText().trim().toLowerCase(Locale.ROOT) : null,
                allowed::contains,
                "one of " + allowed,
                doc);
    }

    /**
     * One constant of an enum, written in any case ({@code lora}, {@code LoRA}); an unknown value is
     * a problem naming the key and the allowed values.
     */
    public static <E extends Enum<E>> Setting<E> enumeration(String key, Class<E> type, E def, String doc) {
        List<String> allowed = java.util.Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .toList();
        return new Setting<>(
                key,
                def,
                "one of " + allowed,
                n -> {
                    if (!n.isTextual()) {
                        return null;
                    }
                    String v = n.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_');
                    for (E c : type.getEnumConstants()) {
                        if (c.name().equals(v)) {
                            return c;
                        }
                    }
                    return null;
                },
                v -> true,
                "one of " + allowed,
                doc);
    }

    /**
     * A non-empty set of constants of an enum, written as a YAML list ({@code [query, value]}) or a comma-separated
     * string ({@code query,value}), in any case; an unknown or repeated-only-empty value is a problem naming the key.
     */
    public static <E extends Enum<E>> Setting<java.util.Set<E>> enumerations(
            String key, Class<E> type, java.util.Set<E> def, String doc) {
        List<String> allowed = java.util.Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .toList();
        return new Setting<>(
                key,
                java.util.Set.copyOf(def),
                "list of " + allowed,
                n -> {
                    List<String> items = new java.util.ArrayList<>();
                    if (n.isArray()) {
                        for (JsonNode item : n) {
                            if (!item.isTextual()) {
                                return null;
                            }
                            items.add(item.asText());
                        }
                    } else if (n.isTextual()) {
                        items.addAll(List.of(n.asText().split(",")));
                    } else {
                        return null;
                    }
                    java.util.Set<E> out = java.util.EnumSet.noneOf(type);
                    for (String item : items) {
                        String v = item.trim().toUpperCase(Locale.ROOT).replace('-', '_');
                        E found = null;
                        for (E c : type.getEnumConstants()) {
                            if (c.name().equals(v)) {
                                found = c;
                            }
                        }
                        if (found == null) {
                            return null;
                        }
                        out.add(found);
                    }
                    return out.isEmpty() ? null : java.util.Collections.unmodifiableSet(out);
                },
                v -> true,
                "a non-empty list of " + allowed,
                doc);
    }

    public static Setting<Boolean> bool(String key, boolean def, String doc) {
        return new Setting<>(
                key, def, "boolean", n -> n.isBoolean() ? n.booleanValue() : null, v -> true, "true or false", doc);
    }

    /**
     * A list of numbers, e.g. {@code [0.485, 0.456, 0.406]}, each between {@code min} and
     * {@code max}, with {@code minSize} to {@code maxSize} entries; a single number is read as a
     * list of one.
     */
    public static Setting<List<Double>> decimals(
            String key, List<Double> def, double min, double max, int minSize, int maxSize, String doc) {
        return new Setting<>(
                key,
                List.copyOf(def),
                "list of numbers",
                n -> {
                    if (n.isNumber()) {
                        return List.of(n.doubleValue());
                    }
                    if (!n.isArray()) {
                        return null;
                    }
                    List<Double> values = new java.util.ArrayList<>();
                    for (JsonNode v : n) {
                        if (!v.isNumber()) {
                            return null;
                        }
                        values.add(v.doubleValue());
                    }
                    return List.copyOf(values);
                },
                v -> v.size() >= minSize && v.size() <= maxSize && v.stream().allMatch(d -> d >= min && d <= max),
                minSize + " to " + maxSize + " numbers, each between " + min + " and " + max,
                doc);
    }

    /** A duration written as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT5M}). */
    public static Setting<Duration> duration(String key, Duration def, Duration min, String doc) {
        return new Setting<>(
                key,
                def,
                "duration",
                n -> n.isTextual() ? parseDuration(n.asText()) : null,
                v -> v.compareTo(min) >= 0,
                "at least " + formatDuration(min),
                doc);
    }

    public String key() {
        return key;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** The value's type as the docs show it: {@code integer}, {@code duration}, {@code one of [...]}, ... */
    public String type() {
        return type;
    }

    /** What a valid value is, e.g. {@code between 1 and 10000} or {@code at least PT0.001S}. */
    public String constraint() {
        return constraint;
    }

    /** The default as written in the file: {@code 200ms}, {@code 5m}, {@code linear}; {@code (none)} when there is
     * none. */
    public String defaultText() {
        if (defaultValue == null) {
            return "(none)"; // unset unless written; a required key (a task's name) says so in its doc
        }
        if (defaultValue instanceof Duration d) {
            return formatDuration(d);
        }
        if (defaultValue instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (defaultValue instanceof java.util.Collection<?> c
                && !c.isEmpty()
                && c.stream().allMatch(v -> v instanceof Enum<?>)) {
            // as written in the file: [query, value], in declaration order
            return c.stream()
                    .map(v -> (Enum<?>) v)
                    .sorted(java.util.Comparator.comparingInt(Enum::ordinal))
                    .map(v -> v.name().toLowerCase(Locale.ROOT))
                    .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        }
        String text = String.valueOf(defaultValue);
        return text.isEmpty() ? "(empty)" : text;
    }

    /** A line for {@code streamtune config docs}: key, type, default, valid values and the doc. */
    public String describe() {
        return String.format("%-32s %-22s default %-10s %s", key, type, defaultText(), doc);
    }

    /** {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}: the largest unit that is exact, as {@link #parseDuration}
     * reads it. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1_000 == 0 && ms > 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }

    /**
     * Reads this setting below {@code section}; a missing key gives the default, a wrong one
     * records a problem naming {@code prefix.key} and gives the default.
     */
    public T read(JsonNode section, String prefix, List<String> problems) {
        JsonNode node = section == null ? null : section.at("/" + key.replace('.', '/'));
        if (node == null || node.isMissingNode() || node.isNull()) {
            return defaultValue;
        }
        String fullKey = prefix.isEmpty() ? key : prefix + "." + key;
        T value;
        try {
            value = parse.apply(node);
        } catch (RuntimeException e) {
            value = null;
        }
        if (value == null) {
            problems.add(fullKey + ": expected " + type + " (" + constraint + "), got " + node + " (" + doc + ")");
            return defaultValue;
        }
        if (!valid.test(value)) {
            problems.add(fullKey + ": " + node + " is out of range, must be " + constraint + " (" + doc + ")");
            return defaultValue;
        }
        return value;
    }

    /** Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601; anything else throws IllegalArgumentException. */
    public static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) {
            return Duration.parse(s.toUpperCase(Locale.ROOT));
        }
        String[] units = {"ms", "s", "m", "h"};
        for (String unit : units) {
            if (s.endsWith(unit) && !(unit.equals("s") && s.endsWith("ms"))) {
                long n = Long.parseLong(
                        s.substring(0, s.length() - unit.length()).trim());
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
        }
        throw new IllegalArgumentException("not a duration: " + text);
    }

    /**
     * Records a problem for every key below {@code section} that none of {@code declared} reads, so that a
     * misspelt key ({@code retrainEvry}) is refused instead of silently leaving its setting at the default. A key
     * that names a section of declared keys ({@code window}) must hold an object; a declared key's value is not
     * looked into (its own {@link #read} checks it).
     *
     * @param prefix    how problems name the section, e.g. {@code tasks[0] (reviews)}
     * @param otherKeys keys read without a Setting (e.g. a task's {@code labels})
     */
    public static void refuseUnknown(
            JsonNode section,
            String prefix,
            Collection<? extends Setting<?>> declared,
            Set<String> otherKeys,
            List<String> problems) {
        if (section == null || !section.isObject()) {
            return;
        }
        Set<String> keys = new TreeSet<>(otherKeys);
        declared.forEach(d -> keys.add(d.key()));
        refuseUnknown(section, "", prefix, keys, problems);
    }

    private static void refuseUnknown(
            JsonNode node, String path, String prefix, Set<String> keys, List<String> problems) {
        node.fields().forEachRemaining(e -> {
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            String fullKey = prefix.isEmpty() ? key : prefix + "." + key;
            if (keys.contains(key)) {
                return;
            }
            List<String> below =
                    keys.stream().filter(k -> k.startsWith(key + ".")).toList();
            if (!below.isEmpty()) {
                if (e.getValue().isObject()) {
                    refuseUnknown(e.getValue(), key, prefix, keys, problems);
                } else {
                    problems.add(fullKey + ": expected a section with the keys " + below + ", got " + e.getValue());
                }
                return;
            }
            List<String> siblings = keys.stream()
                    .filter(k -> path.isEmpty() || k.startsWith(path + "."))
                    .map(k -> path.isEmpty() ? k : k.substring(path.length() + 1))
                    .map(k -> k.contains(".") ? k.substring(0, k.indexOf('.')) : k)
                    .distinct()
                    .sorted()
                    .toList();
            problems.add(fullKey + ": unknown setting (known " + (path.isEmpty() ? "" : "under " + path + " ")
                    + "here: " + String.join(", ", siblings) + "; `streamtune config docs` lists them all)");
        });
    }
}
