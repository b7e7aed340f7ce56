package io.streamtune.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules expanded for two tasks: the monitor's ACLs are exactly the ones its service needs (the broker
 * test, {@link SecuredKafkaIT}, shows they are enough), under its own application id, and the trainer may read the
 * alerts of every task.
 */
class AclRulesTest {
    private static final List<String> TASKS = List.of("reviews", "finance");
    private static final String SCORING_APP = "streamtune-scoring";
    private static final String MONITOR_APP = "mon-app";

    private static List<AclBinding> bindings() {
        return AclRules.load().bindings(TASKS, SCORING_APP, MONITOR_APP, AclRules.DEFAULT_PRINCIPALS);
    }

    /** One line per binding of {@code principal}: {@code RESOURCE PATTERN name OPERATION}. */
    private static Set<String> of(String principal) {
        return bindings().stream()
                .filter(b -> b.entry().principal().equals(principal))
                .map(b -> b.pattern().resourceType() + " " + b.pattern().patternType() + " "
                        + b.pattern().name() + " " + b.entry().operation())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void shouldGiveTheMonitorExactlyItsTopicsGroupAndTransactionsForEachTask() {
        Set<String> expected = new TreeSet<>();
        for (String task : TASKS) {
            expected.add("TOPIC LITERAL " + task + ".predictions READ");
            expected.add("TOPIC LITERAL " + task + ".examples READ");
            expected.add("TOPIC LITERAL " + task + ".alerts WRITE");
            expected.add("TOPIC LITERAL " + task + ".events DESCRIBE");
            expected.add("TOPIC LITERAL " + task + ".dlq DESCRIBE");
        }
        expected.add("TOPIC LITERAL streamtune.model-events WRITE");
        expected.add("TOPIC LITERAL streamtune.models DESCRIBE");
        for (String op : List.of("CREATE", "READ", "WRITE", "DELETE")) {
            expected.add("TOPIC PREFIXED " + MONITOR_APP + "- " + op);
        }
        expected.add("GROUP LITERAL " + MONITOR_APP + " READ");
        expected.add("TRANSACTIONAL_ID PREFIXED " + MONITOR_APP + "- WRITE");
        assertEquals(expected, of("User:monitor"));
    }

    @Test
    void shouldLetTheTrainerReadTheAlertsOfEveryTask() {
        Set<String> trainer = of("User:trainer");
        for (String task : TASKS) {
            assertTrue(trainer.contains("TOPIC LITERAL " + task + ".alerts READ"), trainer::toString);
        }
        assertFalse(trainer.stream().anyMatch(b -> b.contains(".alerts WRITE")), trainer::toString);
    }

    @Test
    void shouldKeepTheScorersAndTheMonitorsApplicationIdsApart() {
        assertTrue(
                of("User:monitor").stream().noneMatch(b -> b.contains(SCORING_APP)),
                "the monitor gets nothing of" + " the scorer's application id");
        assertTrue(of("User:scoring").stream().noneMatch(b -> b.contains(MONITOR_APP)), "nor the scorer the monitor's");
        assertTrue(of("User:scoring").contains("GROUP LITERAL " + SCORING_APP + " READ"));
        assertTrue(
                bindings().stream()
                        .noneMatch(b -> b.pattern().name().contains("{")
                                || b.pattern().name().contains("}")),
                "every placeholder is replaced");
    }

    @Test
    void shouldGrantTheMonitorRoleToTheGivenPrincipalAndRefuseARoleWithoutOne() {
        Map<String, String> principals = new HashMap<>(AclRules.DEFAULT_PRINCIPALS);
        principals.put("monitor", "User:ops-monitor");
        List<AclBinding> custom = AclRules.load().bindings(TASKS, SCORING_APP, MONITOR_APP, principals);
        assertEquals(
                of("User:monitor").size(),
                custom.stream()
                        .filter(b -> b.entry().principal().equals("User:ops-monitor"))
                        .count());
        assertTrue(custom.stream().noneMatch(b -> b.entry().principal().equals("User:monitor")));

        principals.remove("monitor");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AclRules.load().bindings(TASKS, SCORING_APP, MONITOR_APP, principals));
        assertTrue(e.getMessage().contains("no principal for role monitor"), e.getMessage());
    }

    @Test
    void shouldPrintTheMonitorsGroupAndPurgeRightsAsKafkaAclsCommands() {
        List<String> lines = AclRules.kafkaAclsCommands(bindings(), "kafka:9092");
        assertTrue(
                lines.contains("kafka-acls.sh --bootstrap-server kafka:9092 --command-config admin.properties --add"
                        + " --allow-principal User:monitor --operation Create --operation Read --operation Write"
                        + " --operation Delete --topic " + MONITOR_APP + "- --resource-pattern-type prefixed"),
                lines::toString);
        assertTrue(
                lines.contains("kafka-acls.sh --bootstrap-server kafka:9092 --command-config admin.properties --add"
                        + " --allow-principal User:monitor --operation Read --group " + MONITOR_APP),
                lines::toString);
    }

    @Test
    void shouldRefuseAnUnknownPlaceholderNamingItsLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AclRules.parse("""
                # comment
                monitor  group  literal  {monitorApp}  READ
                monitor  group  literal  {monitorapp}  READ
                """));
        assertTrue(
                e.getMessage().startsWith("acls.txt line 3: ") && e.getMessage().contains("{monitorapp}"),
                e.getMessage());
    }

    @Test
    void shouldExpandEveryKnownPlaceholderInAParsedRule() {
        List<AclBinding> b = AclRules.parse("monitor topic prefixed {monitorApp}-{task}- READ\n"
                        + "scoring topic literal {app}.{task} WRITE\n")
                .bindings(List.of("a", "b"), "s", "m", Map.of("monitor", "User:m", "scoring", "User:s"));
        assertEquals(
                List.of("m-a-", "m-b-", "s.a", "s.b"),
                b.stream().map(x -> x.pattern().name()).toList());
    }
}
