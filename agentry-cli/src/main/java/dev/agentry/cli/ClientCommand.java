package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * A command that talks to a running server. API errors print the API's message and exit 1;
 * configuration errors exit 2.
 */
abstract class ClientCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  PrintWriter out;
  PrintWriter err;

  abstract int run(ApiClient api) throws IOException, InterruptedException;

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    String url = options.url(System.getenv());
    try (ApiClient api = options.client(System.getenv())) {
      return run(api);
    } catch (ApiClient.ApiException e) {
      if (options.json && e.body != null && !e.body.isBlank()) {
        out.println(e.body.strip());
      }
      err.println("agentry: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("agentry: " + e.getMessage());
      return 2;
    } catch (ConnectException e) {
      err.println(
          "agentry: cannot reach the server at "
              + url
              + " (is `"
              + command()
              + " serve` running? Or set --url / AGENTRY_URL)");
      return 1;
    } catch (IOException e) {
      err.println("agentry: " + url + ": " + Problems.describe(e));
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The name to use in a suggested command: {@code agentry} or, e.g., {@code ./agentry}. */
  String command() {
    return Main.command(spec);
  }

  /** Prints {@code node} compactly under {@code --json}, else {@code human}. */
  void print(JsonNode node, String human) {
    out.println(options.json ? node.toString() : human);
  }
}
