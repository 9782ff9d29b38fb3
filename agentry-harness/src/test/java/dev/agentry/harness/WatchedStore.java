package dev.agentry.harness;

import dev.agentry.core.SessionRepository;
import dev.agentry.core.Store;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;

/**
 * A store that records every call a harness makes to its session repository and how it ended, so a
 * test can wait for "the lease was refused" or "the write was refused" instead of sleeping and then
 * asserting that nothing happened.
 */
final class WatchedStore {
  /** One call: the method's name, what it returned, or what it threw. */
  record Call(String method, Object result, Throwable thrown) {
    /** A lease attempt that came back empty: someone else holds the lease. */
    boolean leaseRefused() {
      return method.equals("tryLease") && result instanceof Optional<?> o && o.isEmpty();
    }

    /** A commit the store refused (a stale fencing token, for a run whose lease was taken). */
    boolean commitRefused() {
      return method.startsWith("commit") && thrown != null;
    }
  }

  private WatchedStore() {}

  static Store of(Store store, List<Call> calls) {
    SessionRepository sessions = watch(SessionRepository.class, store.sessions(), calls);
    return proxy(
        Store.class,
        (self, method, args) ->
            method.getName().equals("sessions") ? sessions : invoke(store, method, args));
  }

  private static <T> T watch(Class<T> type, T target, List<Call> calls) {
    return proxy(
        type,
        (self, method, args) -> {
          try {
            Object result = invoke(target, method, args);
            calls.add(new Call(method.getName(), result, null));
            return result;
          } catch (RuntimeException e) {
            calls.add(new Call(method.getName(), null, e));
            throw e;
          }
        });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
