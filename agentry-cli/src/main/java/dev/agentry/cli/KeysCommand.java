package dev.agentry.cli;

import dev.agentry.core.ApiKey;
import dev.agentry.core.IdKind;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Workspace;
import dev.agentry.server.Admin;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentry keys create|list|revoke}: API keys, straight in the store. */
@Command(
    name = "keys",
    description = "Create, list and revoke API keys.",
    mixinStandardHelpOptions = true,
    subcommands = {KeysCommand.Create.class, KeysCommand.List.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Opens the store, runs {@code body}, and turns configuration errors into exit code 2 and a store
   * that cannot be reached into exit code 1.
   */
  abstract static class StoreCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin StoreOptions store;

    abstract int run(Store store, PrintWriter out, PrintWriter err);

    /** Whether the command only makes sense on an existing store (it reads or changes one). */
    boolean needsExistingStore() {
      return true;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (Store s =
          StoreOptions.open(
              store.config(System.getenv()), needsExistingStore(), Main.command(spec))) {
        return run(s, out, err);
      } catch (IllegalArgumentException e) {
        err.println("agentry: " + e.getMessage());
        return 2;
      } catch (StoreException e) {
        err.println("agentry: " + e.getMessage());
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }

  @Command(name = "create", description = "Create an API key; its secret is printed once.")
  static final class Create extends StoreCommand {
    @Option(names = "--name", description = "A name to recognise the key by.")
    String name = "cli";

    @Option(
        names = "--role",
        description = "admin, member or read_only (default admin).",
        defaultValue = "admin")
    String role;

    @Option(
        names = "--workspace",
        description =
            "The workspace the key acts in (default wrkspc_default); it must exist (see"
                + " workspaces list) unless --create-workspace is given.",
        defaultValue = Workspace.DEFAULT_ID)
    String workspace;

    @Option(
        names = "--create-workspace",
        description = "Create the --workspace id if it does not exist yet.")
    boolean createWorkspace;

    @Override
    boolean needsExistingStore() {
      return false;
    }

    @Override
    int run(Store s, PrintWriter out, PrintWriter err) {
      // A mistyped id must not quietly become a new, empty workspace the key is then locked in.
      boolean known =
          workspace.equals(Workspace.DEFAULT_ID) || s.workspaces().find(workspace).isPresent();
      if (!known && !createWorkspace && IdKind.WORKSPACE.matches(workspace)) {
        String agentry = Main.command(spec);
        err.println(
            "agentry: no workspace "
                + workspace
                + " (`"
                + agentry
                + " workspaces list` shows them; `"
                + agentry
                + " workspaces create NAME` makes one, or add --create-workspace to make this id)");
        return 2;
      }
      Admin.CreatedKey created = Admin.createKey(s, name, role, workspace, Instant.now());
      out.println(
          "Created API key "
              + created.key().id()
              + " ("
              + role
              + " of "
              + created.key().workspaceId()
              + "), shown once:");
      out.println("  " + created.secret());
      return 0;
    }
  }

  @Command(name = "list", description = "List API keys (never their secrets).")
  static final class List extends StoreCommand {
    @Override
    int run(Store s, PrintWriter out, PrintWriter err) {
      out.printf(
          "%-32s %-20s %-10s %-32s %-28s %s%n",
          "ID", "NAME", "ROLE", "WORKSPACE", "CREATED", "REVOKED");
      for (ApiKey k : Admin.listKeys(s)) {
        out.printf(
            "%-32s %-20s %-10s %-32s %-28s %s%n",
            k.id(),
            k.name(),
            k.role(),
            k.workspaceId(),
            Timestamps.format(k.createdAt()),
            k.revokedAt() == null ? "-" : Timestamps.format(k.revokedAt()));
      }
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke an API key by id.")
  static final class Revoke extends StoreCommand {
    @Parameters(paramLabel = "ID", description = "The key's id (from keys list).")
    String id;

    @Override
    int run(Store s, PrintWriter out, PrintWriter err) {
      if (Admin.revokeKey(s, id, Instant.now())) {
        out.println("Revoked " + id);
        return 0;
      }
      err.println("agentry: no active key " + id);
      return 1;
    }
  }
}
