package dev.agentry.cli;

import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.server.Admin;
import dev.agentry.server.ServerConfig;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code agentry vault rotate-master-key}. */
@Command(
    name = "vault",
    description = "Vault maintenance.",
    mixinStandardHelpOptions = true,
    subcommands = {VaultCommand.Rotate.class})
final class VaultCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "rotate-master-key",
      description =
          "Re-seal every credential with a new master key (stop the server first; restart it after).")
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin StoreOptions store;

    @Option(
        names = "--new-key",
        description = "The new key, 32 bytes in base64 (default: a random one).")
    String newKey;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        ServerConfig config = store.config(System.getenv());
        try (Store s = StoreOptions.open(config, true, Main.command(spec))) {
          Admin.Rotation r = Admin.rotateMasterKey(config, s, Optional.ofNullable(newKey));
          out.println("Re-sealed " + r.credentials() + " credential(s) with the new master key.");
          if (r.keyFile().isPresent()) {
            out.println("New key written to " + r.keyFile().get() + " (0600).");
          } else {
            out.println("AGENTRY_MASTER_KEY is set: update it to the new key before restarting:");
            out.println("  " + r.newKey());
          }
          return 0;
        }
      } catch (Admin.RotationException | StoreException e) {
        err.println("agentry: " + e.getMessage());
        return 1;
      } catch (IllegalArgumentException e) {
        err.println("agentry: " + e.getMessage());
        return 2;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }
}
