package dev.agentry.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code agentry completion}: a bash completion script (zsh loads it through bashcompinit). */
@Command(
    name = "completion",
    description = {
      "Print a shell completion script for bash and zsh.",
      "bash: source <(agentry completion)",
      "zsh:  autoload -U +X bashcompinit && bashcompinit && source <(agentry completion)"
    })
final class CompletionCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash("agentry", spec.root().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
