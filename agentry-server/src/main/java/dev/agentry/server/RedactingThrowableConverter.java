package dev.agentry.server;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.agentry.core.Redactor;

/**
 * {@code %ex} for {@code logback.xml} with every secret known to {@link Redactor#global()} replaced
 * by {@code [redacted]}: exception messages (and their causes') are log lines too.
 */
public final class RedactingThrowableConverter extends ThrowableProxyConverter {
  @Override
  protected String throwableProxyToString(IThrowableProxy tp) {
    return Redactor.global().redact(super.throwableProxyToString(tp));
  }
}
