package io.streamtune.cli.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trivial component for the supervisor's tests: prints a few lines, then either exits with the code
 * given or waits to be stopped; on a normal JVM shutdown (SIGTERM) its hook writes a marker file, which
 * a SIGKILL never lets it do.
 *
 * <p>Arguments: {@code <marker file> <exit code or "wait">}.
 */
public final class TrivialChild {
    private TrivialChild() {}

    public static void main(String[] args) throws Exception {
        Path marker = Path.of(args[0]);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.writeString(marker, "shutdown hook ran");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }));
        System.out.println("trivial child: starting");
        System.out.println("trivial child: ready");
        System.out.flush();
        if (!"wait".equals(args[1])) {
            System.err.println("trivial child: giving up with code " + args[1]);
            System.exit(Integer.parseInt(args[1]));
        }
        Thread.sleep(120_000);
    }
}
