package dev.agentry.server;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.agentry.core.Redactor;

/**
 * {@code %msg} for {@code logback.xml} with every secret known to {@link Redactor#global()}
 * replaced by {@code [redacted]}.
 */
public final class RedactingMessageConverter extends MessageConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return Redactor.global().redact(super.convert(event));
  }
}
