package io.streamtune.common.logging;

import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared {@code logback.xml}, loaded into a fresh Logback context as a service would load it:
 * the layout switch, the levels, the demoted Kafka configuration dumps and the service field.
 */
class LoggingConfigurationTest {

    private static LoggerContext configured(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        if (format != null) {
            context.putProperty(ServiceLogging.FORMAT_ENV, format); // looked up before the environment
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LoggingConfigurationTest.class.getResource("/logback.xml"));
        return context;
    }

    private static Object consoleEncoder(LoggerContext context) {
        ConsoleAppender<?> console =
                (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
        return console.getEncoder();
    }

    @Test
    void shouldWriteHumanLinesByDefaultAndJsonLinesWhenAsked() throws Exception {
        assertInstanceOf(PatternLayoutEncoder.class, consoleEncoder(configured(null)));
        assertInstanceOf(
                PatternLayoutEncoder.class, consoleEncoder(configured("xml")), "an unknown format falls back to text");
        assertInstanceOf(ServiceJsonEncoder.class, consoleEncoder(configured("json")));
    }

    @Test
    void shouldShowKafkaClientConfigurationDumpsOnlyAtDebug() throws Exception {
        LoggerContext context = configured(null);
        Logger dump = context.getLogger("org.apache.kafka.common.config.AbstractConfig");
        context.getLogger("org.apache.kafka").setLevel(Level.INFO);
        assertFalse(dump.isInfoEnabled(), "at INFO the 'ProducerConfig values' dump is hidden");
        assertTrue(dump.isWarnEnabled(), "the warning for an unknown setting still shows");
        assertTrue(
                context.getLogger("org.apache.kafka.clients.NetworkClient").isInfoEnabled(),
                "other Kafka INFO lines pass");
        context.getLogger("org.apache.kafka").setLevel(Level.DEBUG);
        assertTrue(dump.isInfoEnabled(), "at DEBUG the dump shows");
    }

    @Test
    void shouldLogStreamtuneAtInfoAndKafkaAtWarnByDefault() throws Exception {
        LoggerContext context = configured(null);
        assertTrue(context.getLogger("io.streamtune.scoring.ScoringService").isInfoEnabled());
        assertFalse(context.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer")
                .isInfoEnabled());
        assertTrue(context.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer")
                .isWarnEnabled());
    }

    @Test
    void shouldNameTheServiceAsATopLevelJsonField() throws Exception {
        LoggerContext context = configured("json");
        context.putProperty(ServiceLogging.SERVICE, "trainer");
        ServiceJsonEncoder encoder = (ServiceJsonEncoder) consoleEncoder(context);
        Logger logger = context.getLogger("io.streamtune.trainer.TrainerService");
        LoggingEvent event =
                new LoggingEvent("fqcn", logger, Level.INFO, "[{} v{}] published", null, new Object[] {"reviews", 3});
        JsonNode line = Json.mapper().readTree(new String(encoder.encode(event), StandardCharsets.UTF_8));
        assertEquals("trainer", line.path("service").asText());
        assertEquals("[reviews v3] published", line.path("formattedMessage").asText());
        assertEquals("INFO", line.path("level").asText());
    }
}
