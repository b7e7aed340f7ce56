package io.streamtune.common.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggerContextVO;

/**
 * Logback's built-in {@link JsonEncoder} (one JSON object per line, JSON Lines) with the service
 * name as a top-level {@code "service"} field, so a log shipper can route and filter on it without
 * parsing the logger context.
 *
 * <pre>{@code
 * {"timestamp":1764425596123,"level":"INFO","threadName":"main","loggerName":"io.streamtune.scoring.ScoringService",
 *  "mdc": {"service":"scoring"},"formattedMessage":"[scoring] starting ...","service":"scoring"}
 * }</pre>
 */
public class ServiceJsonEncoder extends JsonEncoder {
    @Override
    protected void appendCustomFields(StringBuilder sb, ILoggingEvent event) {
        LoggerContextVO context = event.getLoggerContextVO();
        String service = context == null ? null : context.getPropertyMap().get(ServiceLogging.SERVICE);
        if (service != null) {
            sb.append(',');
            appenderMember(
                    sb, ServiceLogging.SERVICE, service.replace("\\", "\\\\").replace("\"", "\\\""));
        }
    }
}
