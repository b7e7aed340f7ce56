package io.streamtune.cli.faults;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM started the way a user starts a component: the same {@code java},
 * the same JVM options and the same class path as this JVM, then a main class and its arguments.
 *
 * <pre>{@code
 * List<String> cmd = JvmCommand.ofThisJvm("io.streamtune.cli.StreamtuneCommand", List.of("broker", "--port", "9092"));
 * // [/usr/lib/jvm/.../bin/java, -XX:+UseParallelGC, -Dai.djl.offline=true, ..., -cp, <class path>,
 * //  io.streamtune.cli.StreamtuneCommand, broker, --port, 9092]
 * }</pre>
 */
public final class JvmCommand {
    /** The main class of {@code ./streamtune}: every component runs through it, as for a user. */
    public static final String STREAMTUNE_MAIN = "io.streamtune.cli.StreamtuneCommand";

    private JvmCommand() {}

    /** {@code java <this JVM's options> -cp <this JVM's class path> mainClass args...}. */
    public static List<String> ofThisJvm(String mainClass, List<String> args) {
        return of(
                javaExecutable(),
                inheritableOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()),
                System.getProperty("java.class.path"),
                mainClass,
                args);
    }

    /** {@code java options -cp classPath mainClass args...}. */
    public static List<String> of(
            Path java, List<String> options, String classPath, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return List.copyOf(cmd);
    }

    /** The {@code java} of this JVM's installation. */
    public static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * This JVM's options a child should run with: all of them except a debugger agent, whose port
     * only one JVM can listen on.
     */
    public static List<String> inheritableOptions(List<String> inputArguments) {
        return inputArguments.stream()
                .filter(a -> !a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp") && !a.startsWith("-Xdebug"))
                .toList();
    }
}
