package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** A launcher that counts the sessions it was asked for and answers as the test says. */
final class CountingLauncher implements SessionLauncher {
  final CopyOnWriteArrayList<String> launched = new CopyOnWriteArrayList<>();
  final AtomicReference<Launch> failWith = new AtomicReference<>();

  @Override
  public Launch launch(Deployment deployment) {
    launched.add(deployment.id());
    Launch failure = failWith.get();
    return failure != null ? failure : Launch.started("sesn_" + launched.size(), 1);
  }
}
