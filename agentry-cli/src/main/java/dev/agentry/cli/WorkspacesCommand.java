package dev.agentry.cli;

import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Workspace;
import dev.agentry.server.Admin;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code agentry workspaces create|list}: tenants, straight in the store. */
@Command(
    name = "workspaces",
    description = "Create and list workspaces (tenants); keys act in one each.",
    mixinStandardHelpOptions = true,
    subcommands = {WorkspacesCommand.Create.class, WorkspacesCommand.List.class})
final class WorkspacesCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", description = "Create a workspace; its id is printed.")
  static final class Create extends KeysCommand.StoreCommand {
    @Parameters(paramLabel = "NAME", description = "A name to recognise the workspace by.")
    String name;

    @Override
    boolean needsExistingStore() {
      return false;
    }

    @Override
    int run(Store s, PrintWriter out, PrintWriter err) {
      Workspace w = Admin.createWorkspace(s, name, Instant.now());
      out.println("Created workspace " + w.id() + " (" + w.name() + ")");
      return 0;
    }
  }

  @Command(name = "list", description = "List workspaces.")
  static final class List extends KeysCommand.StoreCommand {
    @Override
    int run(Store s, PrintWriter out, PrintWriter err) {
      out.printf("%-32s %-28s %s%n", "ID", "CREATED", "NAME");
      for (Workspace w : Admin.listWorkspaces(s)) {
        out.printf("%-32s %-28s %s%n", w.id(), Timestamps.format(w.createdAt()), w.name());
      }
      return 0;
    }
  }
}
