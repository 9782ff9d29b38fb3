package dev.agentry.server;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * {@code %ex} for {@code logback.xml} with every secret known to the running servers' redactors
 * ({@link LogRedaction}) replaced by {@code [redacted]}: exception messages (and their causes') are
 * log lines too.
 */
public final class RedactingThrowableConverter extends ThrowableProxyConverter {
  @Override
  protected String throwableProxyToString(IThrowableProxy tp) {
    return LogRedaction.redact(getContext(), super.throwableProxyToString(tp));
  }
}
