package io.streamtune.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A service's image, read from its Dockerfile and run here without Docker: the image's
 * {@code /app/lib} is the module's {@code target/lib} (dependency:copy-dependencies, runtime scope,
 * bound before the tests) plus the module's jar (built right after its classes), exactly what the
 * Dockerfile's build stage copies; the entry point, arguments and {@code ENV} come from the
 * Dockerfile's run stage, with the paths and ports of the image replaced by local ones.
 *
 * <pre>{@code
 * ImageRun scoring = ImageRun.of("scoring-service", null);
 * Process p = scoring.start(Map.of("/config/streamtune.yaml", cfg.toString(), "9401", "18401"), env, logFile);
 * }</pre>
 */
final class ImageRun {
    static final Path ROOT = Path.of("..");
    private static final ObjectMapper JSON = new ObjectMapper();

    final String module;
    final Map<String, String> env;
    final List<String> entrypoint;
    final List<String> cmd;

    private ImageRun(String module, Map<String, String> env, List<String> entrypoint, List<String> cmd) {
        this.module = module;
        this.env = env;
        this.entrypoint = entrypoint;
        this.cmd = cmd;
    }

    /**
     * Reads {@code <module>/Dockerfile}.
     *
     * @param stage the run stage ({@code FROM ... AS stage}); null for the last one
     */
    static ImageRun of(String module, String stage) throws IOException {
        List<String> lines =
                joinContinuations(Files.readAllLines(ROOT.resolve(module).resolve("Dockerfile")));
        int from = -1;
        int to = lines.size();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.startsWith("FROM ")) {
                if (from >= 0
                        && stage != null
                        && to == lines.size()
                        && lines.get(from).trim().endsWith(" AS " + stage)) {
                    to = i;
                }
                if (stage == null || l.endsWith(" AS " + stage)) {
                    from = i;
                }
            }
        }
        if (from < 0) {
            throw new IllegalStateException(module + "/Dockerfile has no stage " + stage);
        }
        Map<String, String> env = new LinkedHashMap<>();
        List<String> entrypoint = null;
        List<String> cmd = List.of();
        for (String l : lines.subList(from, to)) {
            String t = l.trim();
            if (t.startsWith("ENV ")) {
                Matcher m = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(t.substring(4));
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            } else if (t.startsWith("ENTRYPOINT ")) {
                entrypoint = jsonArray(t.substring("ENTRYPOINT ".length()));
            } else if (t.startsWith("CMD ")) {
                cmd = jsonArray(t.substring("CMD ".length()));
            }
        }
        if (entrypoint == null) {
            throw new IllegalStateException(module + "/Dockerfile's stage has no ENTRYPOINT");
        }
        return new ImageRun(module, env, entrypoint, cmd);
    }

    /** The files the image's {@code /app/lib} holds: target/lib/*.jar and the module's jar. */
    List<Path> appLib() throws IOException {
        Path target = ROOT.resolve(module).resolve("target");
        Path lib = target.resolve("lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(lib.toAbsolutePath()
                    + " is missing: build through the reactor (mvn test, or -pl cli -am),"
                    + " which copies each service's runtime dependencies before the tests");
        }
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(lib)) {
            s.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        try (Stream<Path> s = Files.list(target)) {
            Path own = s.filter(p -> p.getFileName().toString().matches(Pattern.quote(module) + "-[^/]*\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + module + " jar in " + target.toAbsolutePath()
                            + ": the jar is built at process-classes, build through the reactor"));
            jars.add(own);
        }
        return jars;
    }

    /**
     * Starts the entry point and arguments as the image would, with {@code java} from this JVM's
     * installation and {@code /app/lib/*} as {@link #appLib()}; {@code replace} swaps whole
     * arguments (the config path, the metrics port). Output and errors go to {@code log}.
     */
    Process start(Map<String, String> replace, Map<String, String> extraEnv, Path log) throws IOException {
        String classpath = String.join(
                File.pathSeparator,
                appLib().stream()
                        .map(p -> p.toAbsolutePath().normalize().toString())
                        .toList());
        List<String> command = new ArrayList<>();
        for (String a : entrypoint) {
            if (a.equals("java")) {
                command.add(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
            } else if (a.equals("/app/lib/*")) {
                command.add(classpath);
            } else {
                command.add(replace.getOrDefault(a, a));
            }
        }
        cmd.forEach(a -> command.add(replace.getOrDefault(a, a)));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        return pb.start();
    }

    String mainClass() {
        return entrypoint.get(entrypoint.size() - 1);
    }

    private static List<String> jsonArray(String text) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(text)) {
            out.add(n.asText());
        }
        return out;
    }

    private static List<String> joinContinuations(List<String> raw) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String l : raw) {
            if (l.trim().startsWith("#")) {
                continue;
            }
            if (l.endsWith("\\")) {
                current.append(l, 0, l.length() - 1).append(' ');
            } else {
                current.append(l);
                out.add(current.toString());
                current.setLength(0);
            }
        }
        return out;
    }

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }
}
