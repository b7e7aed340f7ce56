package io.streamtune.common.logging;

import java.nio.file.Path;
import java.util.Locale;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Run-time control of the process's logging, for entry points ({@code *Main}, commands).
 *
 * <pre>{@code
 * ServiceLogging.start("scoring");          // every line of this process now says service=scoring
 * ServiceLogging.setLevel("ai.djl", "error");
 * ServiceLogging.toFile(Path.of(".streamtune/demo/broker.log"), "kafka", "org.apache.kafka");
 * }</pre>
 *
 * <p>The service name is a Logback context property ({@value #SERVICE}), so lines from threads
 * the process did not start itself (Kafka Streams, clients, loaders) carry it too; the calling
 * thread also gets it in its MDC, where the services add {@code task} and {@code modelVersion}.
 * Every method is a no-op (with a warning) when Logback is not the SLF4J provider.
 */
public final class ServiceLogging {
    /** The context property and MDC key naming the service: {@code trainer}, {@code scoring}, {@code cli}, {@code
     * demo}. */
    public static final String SERVICE = "service";
    /** Environment variable choosing the layout: {@code text} (default) or {@code json}. */
    public static final String FORMAT_ENV = "STREAMTUNE_LOG_FORMAT";
    /** Environment variable: level of streamtune's own loggers (default {@code INFO}). */
    public static final String LEVEL_ENV = "STREAMTUNE_LOG_LEVEL";
    /** Environment variable: level of Kafka's loggers, clients and embedded broker (default {@code WARN}). */
    public static final String KAFKA_LEVEL_ENV = "STREAMTUNE_KAFKA_LOG_LEVEL";

    private static final Logger log = LoggerFactory.getLogger(ServiceLogging.class);

    private ServiceLogging() {}

    /** Names the service on every later log line of this process (and in the calling thread's MDC). */
    public static void start(String service) {
        MDC.put(SERVICE, service);
        if (logback()) {
            Logback.context().putProperty(SERVICE, service);
        }
    }

    /**
     * Sets the level of one logger ({@code ""} or {@code ROOT} for the root) at run time.
     *
     * @param level {@code trace}, {@code debug}, {@code info}, {@code warn}, {@code error} or {@code off}, any case
     * @throws IllegalArgumentException on another level name
     */
    public static void setLevel(String logger, String level) {
        if (logback()) {
            Logback.setLevel(logger, level);
        }
    }

    /**
     * Sends what these loggers (and their children) log to {@code file} instead of the console,
     * keeping their configured levels; the file is truncated first. Used by the demo for Kafka's log.
     *
     * @return the file's absolute path
     */
    public static Path toFile(Path file, String... loggers) {
        Path absolute = file.toAbsolutePath();
        if (logback()) {
            Logback.toFile(absolute, loggers);
        }
        return absolute;
    }

    /**
     * True when Logback is the provider. Checked by name, so that this class still loads (and the
     * service still runs, unconfigured) on a classpath without Logback.
     */
    private static boolean logback() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory.getClass().getName().equals("ch.qos.logback.classic.LoggerContext")) {
            return true;
        }
        log.warn(
                "[logging] the SLF4J provider is {}, not Logback: service name and levels are not applied",
                factory.getClass().getName());
        return false;
    }

    /** Everything that touches Logback's classes, loaded only when Logback is present. */
    private static final class Logback {
        private Logback() {}

        static LoggerContext context() {
            return (LoggerContext) LoggerFactory.getILoggerFactory();
        }

        static void setLevel(String logger, String level) {
            Level parsed = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
            if (parsed == null) {
                throw new IllegalArgumentException("unknown log level '" + level + "' for logger " + logger
                        + " (use trace, debug, info, warn, error or off)");
            }
            context()
                    .getLogger(logger.isEmpty() ? Logger.ROOT_LOGGER_NAME : logger)
                    .setLevel(parsed);
        }

        static void toFile(Path file, String... loggers) {
            LoggerContext context = context();
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
            encoder.start();
            FileAppender<ILoggingEvent> appender = new FileAppender<>();
            appender.setContext(context);
            appender.setName("file:" + file);
            appender.setFile(file.toString());
            appender.setAppend(false);
            appender.setEncoder(encoder);
            appender.start();
            for (String name : loggers) {
                ch.qos.logback.classic.Logger l = context.getLogger(name);
                l.detachAndStopAllAppenders();
                l.addAppender(appender);
                l.setAdditive(false);
            }
        }
    }
}
