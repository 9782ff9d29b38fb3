package dev.agentry.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Context;
import dev.agentry.core.Redactor;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.LoggerFactory;

/**
 * How the log converters, which logback instantiates by class name, get the servers' redactors:
 * each server puts its own into logback's context when it starts and takes it out when it stops.
 * Logging is one per JVM, so a line is redacted with every running server's secrets: a secret of
 * one server never reaches the shared log through another's thread.
 */
final class LogRedaction {
  static final String KEY = "dev.agentry.server.redactors";

  private LogRedaction() {}

  /** Adds {@code redactor} to the logging context; closing the result removes it. */
  static AutoCloseable attach(Redactor redactor) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return () -> {}; // another SLF4J binding: the converters are not in use
    }
    Set<Redactor> redactors = redactors(context, true);
    redactors.add(redactor);
    return () -> redactors.remove(redactor);
  }

  /** {@code text} redacted by every redactor attached to {@code context}. */
  static String redact(Context context, String text) {
    Set<Redactor> redactors = context == null ? null : redactors(context, false);
    if (redactors == null) {
      return text;
    }
    String out = text;
    for (Redactor r : redactors) {
      out = r.redact(out);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Set<Redactor> redactors(Context context, boolean create) {
    synchronized (context) {
      Object set = context.getObject(KEY);
      if (set == null && create) {
        set = new CopyOnWriteArraySet<Redactor>();
        context.putObject(KEY, set);
      }
      return (Set<Redactor>) set;
    }
  }
}
