package dev.agentry.bench;

import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;

/**
 * An {@code agentry serve} configured from the environment, in its own JVM, for a bench to kill.
 */
public final class NodeProcess {
  private NodeProcess() {}

  public static void main(String[] args) throws InterruptedException {
    AgentryServer.start(ServerConfig.fromEnv(System.getenv()));
    Thread.currentThread().join();
  }
}
