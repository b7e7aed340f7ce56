package io.streamtune.common.logging;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Treats INFO lines of the named loggers as DEBUG: they pass only where the logger is enabled for
 * DEBUG. Kafka logs every client's full configuration ("ProducerConfig values: ...", tens of lines
 * per client) and its version banner at INFO; an operator wants them when debugging, not in every
 * start-up. Configured in {@code logback.xml}:
 *
 * <pre>{@code
 * <turboFilter class="io.streamtune.common.logging.DemoteToDebugFilter">
 *   <logger>org.apache.kafka.common.config.AbstractConfig</logger>
 * </turboFilter>
 * }</pre>
 *
 * <p>A child logger ({@code org.apache.kafka.common.config.AbstractConfig.x}) counts as named.
 * Other levels pass unchanged, so the WARN for an unknown client setting still shows.
 */
public final class DemoteToDebugFilter extends TurboFilter {
    private final List<String> loggers = new ArrayList<>();

    /** Adds a logger name; called once per {@code <logger>} element. */
    public void addLogger(String name) {
        loggers.add(name.trim());
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level != Level.INFO || !named(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        return logger.getEffectiveLevel().toInt() <= Level.DEBUG_INT ? FilterReply.NEUTRAL : FilterReply.DENY;
    }

    private boolean named(String name) {
        for (String l : loggers) {
            if (name.equals(l) || (name.startsWith(l) && name.charAt(l.length()) == '.')) {
                return true;
            }
        }
        return false;
    }
}
