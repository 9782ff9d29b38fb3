package dev.agentry.server;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} for {@code logback.xml} with every secret known to the running servers' redactors
 * ({@link LogRedaction}) replaced by {@code [redacted]}.
 */
public final class RedactingMessageConverter extends MessageConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return LogRedaction.redact(getContext(), super.convert(event));
  }
}
