package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code streamtune acls print} names the monitor's application id from the configuration, and its principal. */
class AclsCommandTest {

    private static String print(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, StreamtuneCommand.run(args));
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintTheMonitorsAclsForTheConfiguredApplicationIdAndPrincipal(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("streamtune.yaml"), """
                kafka: {bootstrap.servers: "kafka:9092"}
                scoring: {applicationId: scorer-prod}
                monitoring: {applicationId: monitor-prod}
                tasks:
                  - name: finance
                    labels: [bearish, neutral, bullish]
                """);
        String out = print("acls", "print", "--config", config.toString(), "--principal", "monitor=User:ops-monitor");
        assertTrue(out.contains("--allow-principal User:ops-monitor --operation Read --group monitor-prod\n"), out);
        assertTrue(
                out.contains("--allow-principal User:ops-monitor --operation Write --transactional-id monitor-prod-"
                        + " --resource-pattern-type prefixed"),
                out);
        assertTrue(out.contains("--allow-principal User:ops-monitor --operation Write --topic finance.alerts\n"), out);
        assertTrue(out.contains("--allow-principal User:trainer --operation Read --topic finance.alerts\n"), out);
        assertTrue(out.contains("--allow-principal User:scoring --operation Read --group scorer-prod\n"), out);
        assertFalse(out.contains("User:monitor "), "the given principal replaces the default: " + out);
        assertFalse(out.contains("streamtune-monitor"), "the configured id replaces the default: " + out);
    }
}
