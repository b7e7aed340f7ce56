package io.streamtune.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The minimum ACLs of streamtune's principals, from the resource {@code acls.txt} (one rule a line:
 * role, resource type, pattern type, name, operations), expanded for a configuration.
 *
 * <p>A name may hold the placeholders {@value #TASK} (each configured task), {@value #SCORING_APP}
 * ({@code scoring.applicationId}) and {@value #MONITOR_APP} ({@code monitoring.applicationId}); any other
 * {@code {...}} is refused when the file is parsed (Kafka resource names never hold braces).
 *
 * <pre>{@code
 * List<AclBinding> acls = AclRules.load().bindings(List.of("reviews"), "streamtune-scoring", "streamtune-monitor",
 *         AclRules.DEFAULT_PRINCIPALS);
 * }</pre>
 */
public final class AclRules {
    /** The roles the file names, with the principal each gets unless told otherwise. */
    public static final Map<String, String> DEFAULT_PRINCIPALS =
            Map.of("trainer", "User:trainer", "scoring", "User:scoring", "monitor", "User:monitor", "cli", "User:cli");

    /** Placeholder for each configured task. */
    public static final String TASK = "{task}";
    /** Placeholder for the scorer's Kafka Streams application id ({@code scoring.applicationId}). */
    public static final String SCORING_APP = "{app}";
    /** Placeholder for the monitor's Kafka Streams application id ({@code monitoring.applicationId}). */
    public static final String MONITOR_APP = "{monitorApp}";

    private static final List<String> PLACEHOLDERS = List.of(TASK, SCORING_APP, MONITOR_APP);

    /** One line of the file. */
    public record Rule(
            String role, ResourceType resource, PatternType pattern, String name, List<AclOperation> operations) {}

    private final List<Rule> rules;

    private AclRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The rules shipped with streamtune. */
    public static AclRules load() {
        try (InputStream in = AclRules.class.getResourceAsStream("acls.txt")) {
            if (in == null) {
                throw new IllegalStateException("acls.txt is missing from the cli jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses rule lines; {@code #} starts a comment. Throws IllegalArgumentException naming the line. */
    public static AclRules parse(String text) {
        List<Rule> rules = new ArrayList<>();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
            String line;
            while ((line = r.readLine()) != null) {
                n++;
                String l = line.contains("#")
                        ? line.substring(0, line.indexOf('#')).trim()
                        : line.trim();
                if (l.isEmpty()) {
                    continue;
                }
                String[] f = l.split("\\s+");
                if (f.length != 5) {
                    throw new IllegalArgumentException(
                            "acls.txt line " + n + ": expected role, resource, pattern, name, operations: " + line);
                }
                List<AclOperation> ops = new ArrayList<>();
                for (String op : f[4].split(",")) {
                    ops.add(AclOperation.valueOf(op.trim().toUpperCase(Locale.ROOT)));
                }
                String rest = f[3];
                for (String placeholder : PLACEHOLDERS) {
                    rest = rest.replace(placeholder, "");
                }
                if (rest.contains("{") || rest.contains("}")) {
                    throw new IllegalArgumentException(
                            "unknown placeholder in " + f[3] + " (known: " + PLACEHOLDERS + ")");
                }
                rules.add(new Rule(
                        f[0],
                        ResourceType.valueOf(f[1].toUpperCase(Locale.ROOT).replace('-', '_')),
                        PatternType.valueOf(f[2].toUpperCase(Locale.ROOT)),
                        f[3],
                        ops));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("acls.txt line " + n + ": " + e.getMessage(), e);
        }
        return new AclRules(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /**
     * The ACL bindings for these tasks and application ids, one per rule, expanded name and operation, in file
     * order without duplicates. A rule naming {@code {task}} yields one binding per task.
     *
     * @param tasks                the configured task names
     * @param scoringApplicationId replaces {@code {app}}: {@code scoring.applicationId}
     * @param monitorApplicationId replaces {@code {monitorApp}}: {@code monitoring.applicationId}
     * @param principals           each role the file names ({@code trainer}, {@code scoring}, {@code monitor},
     *                             {@code cli}) to a principal such as {@code User:trainer}
     * @throws IllegalArgumentException when a role of the file has no principal
     */
    public List<AclBinding> bindings(
            List<String> tasks,
            String scoringApplicationId,
            String monitorApplicationId,
            Map<String, String> principals) {
        Map<String, AclBinding> out = new LinkedHashMap<>();
        for (Rule rule : rules) {
            String principal = principals.get(rule.role());
            if (principal == null) {
                throw new IllegalArgumentException(
                        "no principal for role " + rule.role() + " (given: " + principals.keySet() + ")");
            }
            List<String> names = rule.name().contains(TASK)
                    ? tasks.stream().map(t -> rule.name().replace(TASK, t)).toList()
                    : List.of(rule.name());
            for (String name : names) {
                String resolved =
                        name.replace(SCORING_APP, scoringApplicationId).replace(MONITOR_APP, monitorApplicationId);
                for (AclOperation op : rule.operations()) {
                    AclBinding b = new AclBinding(
                            new ResourcePattern(rule.resource(), resolved, rule.pattern()),
                            new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
                    out.putIfAbsent(b.toString(), b);
                }
            }
        }
        return List.copyOf(out.values());
    }

    /** One {@code kafka-acls.sh --add} line per resource and principal, for operators of other clusters. */
    public static List<String> kafkaAclsCommands(List<AclBinding> bindings, String bootstrap) {
        Map<String, List<AclOperation>> byTarget = new LinkedHashMap<>();
        Map<String, AclBinding> first = new LinkedHashMap<>();
        for (AclBinding b : bindings) {
            String key = b.entry().principal() + "|" + b.pattern();
            byTarget.computeIfAbsent(key, k -> new ArrayList<>()).add(b.entry().operation());
            first.putIfAbsent(key, b);
        }
        List<String> lines = new ArrayList<>();
        byTarget.forEach((key, ops) -> {
            AclBinding b = first.get(key);
            StringBuilder s = new StringBuilder("kafka-acls.sh --bootstrap-server ")
                    .append(bootstrap)
                    .append(" --command-config admin.properties --add --allow-principal ")
                    .append(b.entry().principal());
            ops.forEach(op -> s.append(" --operation ").append(camel(op.name())));
            String option = switch (b.pattern().resourceType()) {
                case TOPIC -> "--topic";
                case GROUP -> "--group";
                case TRANSACTIONAL_ID -> "--transactional-id";
                case CLUSTER -> "--cluster";
                default ->
                    "--"
                            + b.pattern()
                                    .resourceType()
                                    .name()
                                    .toLowerCase(Locale.ROOT)
                                    .replace('_', '-');
            };
            s.append(' ').append(option);
            if (b.pattern().resourceType() != ResourceType.CLUSTER) {
                s.append(' ').append(b.pattern().name());
            }
            if (b.pattern().patternType() == PatternType.PREFIXED) {
                s.append(" --resource-pattern-type prefixed");
            }
            lines.add(s.toString());
        });
        return lines;
    }

    private static String camel(String op) {
        StringBuilder s = new StringBuilder();
        for (String part : op.split("_")) {
            s.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return s.toString();
    }
}
