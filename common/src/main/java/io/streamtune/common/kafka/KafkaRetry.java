package io.streamtune.common.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;

/**
 * One classification of Kafka failures for every service, and a retry loop that uses it. Transient
 * failures (broker down, leader moves, timeouts: anything whose cause chain holds a Kafka
 * {@link RetriableException}) are retried with exponential backoff and logged; fatal ones (fenced by a
 * newer instance, authentication or authorisation refused, invalid configuration, a broker too old)
 * end the call with an exception whose message says what to do.
 *
 * <pre>{@code
 * Map<String, TaskHistory> h = KafkaRetry.until("reading the model history", log, () -> closing,
 *         () -> ModelHistory.read(clients, tasks, Duration.ofSeconds(30)));
 * }</pre>
 */
public final class KafkaRetry {
    /** First pause after a failure; doubled after each further one. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    /** Longest pause between attempts. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** How often the WARN is repeated while the failure lasts. */
    static final Duration REPEAT_WARN = Duration.ofSeconds(30);

    private KafkaRetry() {}

    /** Retrying cannot help: the service must stop and an operator act. */
    public static final class FatalKafkaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public FatalKafkaException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What kind of failure {@code t} is. */
    public enum Kind {
        /** Transient: retry with backoff. */
        TRANSIENT,
        /** Fatal: stop; the message says what to do. */
        FATAL,
        /** Not a Kafka failure (a bug, bad data): let it propagate. */
        OTHER
    }

    /** Classifies a failure by its cause chain: fatal causes win over transient ones. */
    public static Kind classify(Throwable t) {
        boolean transientCause = false;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ProducerFencedException
                    || c instanceof AuthenticationException
                    || c instanceof AuthorizationException
                    || c instanceof InvalidConfigurationException
                    || c instanceof UnsupportedVersionException
                    || c instanceof FatalKafkaException) {
                return Kind.FATAL;
            }
            if (c instanceof RetriableException) {
                transientCause = true;
            }
        }
        return transientCause ? Kind.TRANSIENT : Kind.OTHER;
    }

    /** What an operator should do about a fatal failure. */
    public static String advice(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ProducerFencedException) {
                return "another instance with the same transactional id took over (a restarted or duplicate trainer); "
                        + "run one trainer per task set, or give each a distinct trainer.instanceId";
            }
            if (c instanceof AuthenticationException) {
                return "Kafka refused the credentials: check kafka.security.protocol and kafka.sasl.* / kafka.ssl.*";
            }
            if (c instanceof AuthorizationException) {
                return "Kafka refused an operation: grant the ACLs listed in the README (Running against a secured cluster)";
            }
            if (c instanceof InvalidConfigurationException || c instanceof UnsupportedVersionException) {
                return "the broker rejects the client configuration or is too old: check the kafka.* settings and use Kafka 4.x";
            }
        }
        return "see the cause";
    }

    /**
     * Runs {@code call} until it succeeds, retrying transient Kafka failures with backoff.
     *
     * @param what what the call does, for the log ("reading the model history")
     * @param stopped checked after a failed attempt (the first attempt always runs): when true, gives up
     *     with an {@link InterruptedException}
     * @throws FatalKafkaException on a fatal failure
     * @throws InterruptedException when stopped or interrupted while waiting
     * @throws RuntimeException anything else {@code call} throws (not a Kafka failure)
     */
    public static <T> T until(String what, Logger log, BooleanSupplier stopped, Callable<T> call)
            throws InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        Instant firstFailure = null;
        Instant lastWarn = null;
        while (true) {
            try {
                T result = call.call();
                if (firstFailure != null) {
                    log.info(
                            "{}: succeeded after {} s of retries",
                            what,
                            Duration.between(firstFailure, Instant.now()).toSeconds());
                }
                return result;
            } catch (InterruptedException | FatalKafkaException e) {
                throw e;
            } catch (Exception e) {
                switch (classify(e)) {
                    case FATAL -> throw new FatalKafkaException(what + " failed: " + e + ". " + advice(e), e);
                    case OTHER -> {
                        if (e instanceof RuntimeException r) {
                            throw r;
                        }
                        throw new IllegalStateException(what + " failed: " + e, e);
                    }
                    default -> {
                        Instant now = Instant.now();
                        if (firstFailure == null) {
                            firstFailure = now;
                        }
                        if (lastWarn == null || Duration.between(lastWarn, now).compareTo(REPEAT_WARN) >= 0) {
                            log.warn(
                                    "{}: Kafka is not answering ({}); retrying every {} s at most",
                                    what,
                                    rootMessage(e),
                                    MAX_BACKOFF.toSeconds());
                            lastWarn = now;
                        }
                    }
                }
            }
            if (stopped.getAsBoolean()) {
                throw new InterruptedException("stopped while " + what);
            }
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
