package dev.agentry.server;

/** Runs a server configured from the environment in its own JVM, for the crash test to kill. */
public final class ServerProcessMain {
  private ServerProcessMain() {}

  public static void main(String[] args) throws InterruptedException {
    AgentryServer.start(ServerConfig.fromEnv(System.getenv()));
    Thread.currentThread().join();
  }
}
