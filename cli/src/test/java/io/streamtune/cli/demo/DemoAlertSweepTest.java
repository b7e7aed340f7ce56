package io.streamtune.cli.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a check but the measuring tool behind {@link SurgeScript#DEMO}'s numbers: runs {@link DemoAlertSimulation} for
 * many seeds over variants of the script and scenarios of the model and scorer, and prints how often each outcome
 * came (lines {@code SWEEP ...} in {@code cli/target/surefire-reports/*DemoAlertSweepTest-output.txt}). Off unless
 * {@code -Dsweep} is set; {@link DemoAlertScriptTest} is the check that runs in {@code mvn test}.
 *
 * <pre>{@code
 * mvn -q -o -pl cli -am test -Dtest=DemoAlertSweepTest -Dsurefire.failIfNoSpecifiedTests=false -Dsweep=1 -Druns=50 \
 *     "-Dscripts=;after=10;len=15 min=30" -Dscenarios=0.9/25/2000,0.85/70/3000
 * }</pre>
 * A script is a space-separated list of overrides of {@link SurgeScript#DEMO} ({@code share early after len W A G min
 * alpha warm m c}, durations in seconds); a scenario is {@code accuracy/firstModelSeconds/partitionLagMs}.
 */
class DemoAlertSweepTest {
    @TempDir
    Path dir;

    static SurgeScript script(String spec) {
        Map<String, String> m = new HashMap<>();
        if (!spec.isBlank()) {
            for (String kv : spec.split(" ")) {
                String[] f = kv.split("=");
                m.put(f[0], f[1]);
            }
        }
        SurgeScript d = SurgeScript.DEMO;
        return new SurgeScript(
                d.entity(),
                Double.parseDouble(m.getOrDefault("share", "" + d.share())),
                sec(m, "early", d.earliestStart()),
                sec(m, "after", d.afterFirstModel()),
                sec(m, "len", d.length()),
                sec(m, "W", d.window()),
                sec(m, "A", d.advance()),
                sec(m, "G", d.grace()),
                Integer.parseInt(m.getOrDefault("min", "" + d.minCount())),
                Double.parseDouble(m.getOrDefault("alpha", "" + d.alpha())),
                Integer.parseInt(m.getOrDefault("warm", "" + d.warmup())),
                Double.parseDouble(m.getOrDefault("m", "" + d.margin())),
                Double.parseDouble(m.getOrDefault("c", "" + d.clearMargin())));
    }

    static Duration sec(Map<String, String> m, String k, Duration d) {
        return m.containsKey(k) ? Duration.ofSeconds(Long.parseLong(m.get(k))) : d;
    }

    @Test
    @EnabledIfSystemProperty(named = "sweep", matches = ".*")
    void printOutcomesOfScriptsAndScenarios() throws Exception {
        int runs = Integer.getInteger("runs", 50);
        Duration d = Duration.ofSeconds(Integer.getInteger("dur", 120));
        for (String spec : System.getProperty("scripts", "").split(";")) {
            SurgeScript script = script(spec);
            for (String sc : System.getProperty("scenarios", "0.95/25/0").split(",")) {
                String[] f = sc.split("/");
                double acc = Double.parseDouble(f[0]);
                int first = Integer.parseInt(f[1]);
                int lag = Integer.parseInt(f[2]);
                Map<String, Integer> kinds = new TreeMap<>();
                long t0 = System.nanoTime();
                StringBuilder cleared = new StringBuilder();
                for (long seed = 1; seed <= runs; seed++) {
                    Path stateDir = Files.createTempDirectory(dir, "driver");
                    DemoAlertSimulation.Outcome o = DemoAlertSimulation.run(
                            seed,
                            d,
                            script,
                            new DemoAlertSimulation.Scenario(acc, Duration.ofSeconds(first), Duration.ofMillis(lag)),
                            stateDir);
                    kinds.merge(o.kind(), 1, Integer::sum);
                    if (!o.kind().equals("ok") || Boolean.getBoolean("verbose")) {
                        System.out.println("SIM " + o.toString().replace("\n", "\nSIM "));
                    }
                    if (o.kind().equals("ok")) {
                        cleared.append((int) o.clearedAtSeconds()).append(' ');
                    }
                }
                System.out.println("SWEEP [" + spec + "] " + sc + " " + kinds + " in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms; cleared at " + cleared);
            }
        }
    }
}
