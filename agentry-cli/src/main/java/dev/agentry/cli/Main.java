package dev.agentry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code agentry} command. */
@Command(
    name = "agentry",
    mixinStandardHelpOptions = true,
    version = "agentry 0.1.0",
    description = "Self-hosted runtime for long-running LLM agents (Managed Agents API).",
    subcommands = {
      ServeCommand.class,
      KeysCommand.class,
      WorkspacesCommand.class,
      VaultCommand.class,
      ResourceCommands.Agents.class,
      ResourceCommands.Environments.class,
      ResourceCommands.Sessions.class,
      ResourceCommands.Vaults.class,
      RunCommand.class,
      SessionCommands.Tail.class,
      SessionCommands.Send.class,
      SessionCommands.Approve.class,
      SessionCommands.Deny.class,
      SessionCommands.Result.class,
      SessionCommands.Interrupt.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
