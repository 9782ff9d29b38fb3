package dev.agentry.harness;

import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store that can be cut off, as a node's store is when its process dies: after {@link #sever()}
 * every call through it (repositories included) fails, so the node's runners can neither write nor
 * renew their leases, and never give them back. Other nodes keep using the real store.
 */
final class SeveredStore {
  private final AtomicBoolean severed = new AtomicBoolean();
  final Store store;

  SeveredStore(Store real) {
    this.store = wrap(Store.class, real);
  }

  void sever() {
    severed.set(true);
  }

  private <T> T wrap(Class<T> type, T target) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (self, method, args) -> {
              if (severed.get() && !method.getName().equals("close")) {
                throw new StoreException("this node is dead");
              }
              Object result;
              try {
                result = method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              Class<?> returned = method.getReturnType();
              if (result != null
                  && returned.isInterface()
                  && returned.getPackageName().equals("dev.agentry.core")) {
                return wrapAny(returned, result);
              }
              return result;
            }));
  }

  private Object wrapAny(Class<?> type, Object target) {
    @SuppressWarnings({"unchecked", "rawtypes"}) // type is the declared type of target
    Object wrapped = wrap((Class) type, target);
    return wrapped;
  }
}
