package dev.agentry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The {@code agentry} command. Every subcommand inherits {@code --help} and {@code --version}, so
 * {@code agentry run --help} shows help rather than complaining that the prompt is missing.
 */
@Command(
    name = "agentry",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    version = "agentry 0.1.0",
    description = "Self-hosted runtime for long-running LLM agents (Managed Agents API).",
    subcommands = {
      ServeCommand.class,
      WorkerCommand.class,
      KeysCommand.class,
      WorkspacesCommand.class,
      VaultCommand.class,
      ResourceCommands.Agents.class,
      ResourceCommands.Environments.class,
      ResourceCommands.Sessions.class,
      ResourceCommands.Vaults.class,
      MemoryCommand.class,
      DeploymentsCommand.class,
      WebhooksCommand.class,
      RunCommand.class,
      SessionCommands.Tail.class,
      SessionCommands.Send.class,
      SessionCommands.Approve.class,
      SessionCommands.Deny.class,
      SessionCommands.Result.class,
      SessionCommands.Interrupt.class,
      SessionCommands.Fork.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /**
   * How the user runs us, set by the {@code ./agentry} launcher: {@code agentry} when that script
   * is on the PATH, else the path it was started by (e.g. {@code ./agentry}).
   */
  static final String COMMAND_ENV = "AGENTRY_COMMAND";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    String command = System.getenv(COMMAND_ENV);
    System.exit(
        commandLine(command == null || command.isBlank() ? "agentry" : command).execute(args));
  }

  /**
   * The command line, named {@code command}: usage lines and the commands we suggest (e.g. {@code
   * ./agentry tail sesn_…}) use that name, so they can be pasted where the user is.
   */
  static CommandLine commandLine(String command) {
    CommandLine line = new CommandLine(new Main());
    line.setCommandName(command);
    line.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("agentry: " + Problems.describe(e));
          if (System.getenv("AGENTRY_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
          }
          cmd.getErr().flush();
          return 1;
        });
    return line;
  }

  /** The name to print in a suggested command: {@code agentry} or the launcher's path. */
  static String command(CommandLine.Model.CommandSpec spec) {
    return spec.root().name();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
