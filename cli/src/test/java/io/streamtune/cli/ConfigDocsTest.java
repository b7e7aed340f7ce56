package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Setting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code streamtune config docs} lists every setting any module declares: the declarations are
 * found by scanning every {@code io.streamtune} class on the classpath for static {@link Setting}
 * fields, so a setting added without a line in {@link SettingsCatalog} fails here.
 */
class ConfigDocsTest {

    @Test
    void shouldListEveryDeclaredSettingWithItsTypeDefaultRangeAndDoc() throws Exception {
        String docs = SettingsCatalog.docs();
        List<String> missing = new ArrayList<>();
        List<Setting<?>> declared = declaredSettings();
        assertTrue(
                declared.size() >= 40,
                () -> "the scan finds the settings of common, trainer and scoring: " + declared.size());
        for (Setting<?> s : declared) {
            // Keys repeat across sections (scoring.applicationId, monitoring.applicationId): one of the lines
            // naming the key must carry this declaration's type, default, valid values and doc.
            List<String> named = docs.lines()
                    .filter(l -> l.trim().matches("\\S*\\." + java.util.regex.Pattern.quote(s.key()) + "\\s.*"))
                    .toList();
            if (named.isEmpty()) {
                missing.add(s.key());
                continue;
            }
            assertTrue(
                    named.stream()
                            .anyMatch(line -> line.contains(s.type())
                                    && line.contains(s.defaultText())
                                    && line.contains(s.constraint())
                                    && line.contains(s.doc())),
                    () -> "type, default, valid values and doc of " + s.key() + " (" + s.doc() + "): " + named);
        }
        assertEquals(
                List.of(),
                missing,
                "declared settings missing from SettingsCatalog (add the module's Section):\n" + docs);
    }

    @Test
    void shouldPrintTheDocsAsTheCommandAndWriteDefaultsAsTheFileDoes() {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = StreamtuneCommand.run("config", "docs");
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("trainer.pollTimeout") && out.contains("200ms"), out);
        assertTrue(out.contains("tasks[].window.maxWait") && out.contains(" 5m "), out);
        assertTrue(out.contains("scoring.pin.<task>"), out);
        assertTrue(out.contains("STREAMTUNE_KAFKA_<KEY>") && out.contains("STREAMTUNE_LOG_FORMAT"), out);
        assertFalse(out.contains("PT0.2S"), "durations are written as in the file");
    }

    /** Every value of a static Setting field of an io.streamtune class (fields holding lists of settings are not
     * counted twice). */
    private static List<Setting<?>> declaredSettings() throws Exception {
        TreeSet<String> classes = new TreeSet<>();
        for (URL root : Collections.list(ConfigDocsTest.class.getClassLoader().getResources("io/streamtune"))) {
            classes.addAll(classNames(root));
        }
        List<Setting<?>> out = new ArrayList<>();
        for (String name : classes) {
            if (name.contains("Test") || name.endsWith("IT") || name.contains("$")) {
                continue;
            }
            Class<?> c = Class.forName(name, false, ConfigDocsTest.class.getClassLoader());
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && Setting.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    Object v = f.get(null);
                    if (v != null && out.stream().noneMatch(s -> s == v)) {
                        out.add((Setting<?>) v);
                    }
                }
            }
        }
        return out;
    }

    private static List<String> classNames(URL root) throws IOException, URISyntaxException {
        List<String> names = new ArrayList<>();
        if (root.getProtocol().equals("jar")) {
            JarURLConnection connection = (JarURLConnection) root.openConnection();
            connection.setUseCaches(false); // a private JarFile: closing a cached one would pull it from under others
            try (JarFile jar = connection.getJarFile()) {
                jar.stream()
                        .map(e -> e.getName())
                        .filter(n -> n.startsWith("io/streamtune/") && n.endsWith(".class"))
                        .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
            }
        } else {
            Path base = Path.of(root.toURI()).getParent().getParent();
            try (Stream<Path> walk = Files.walk(Path.of(root.toURI()))) {
                walk.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                    String rel = base.relativize(p).toString();
                    names.add(rel.substring(0, rel.length() - 6).replace('/', '.'));
                });
            }
        }
        return names;
    }
}
