package dev.agentry.server;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;

/**
 * A real MCP server built with the same SDK (its servlet streamable-HTTP transport in an embedded
 * Tomcat, test scope only: ADR 0010), with an {@code echo} tool and a {@code hang} tool that never
 * answers until the server is closed (a call in flight when the runtime dies). It records every
 * {@code Authorization} header and refuses (401) any bearer token not in {@code accepted}, when
 * set.
 */
final class TestMcpServer implements AutoCloseable {
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  /** The {@code text} argument of every {@code echo} call, in order. */
  final List<String> echoCalls = new CopyOnWriteArrayList<>();

  /** The {@code text} argument of every {@code hang} call, in order, recorded as it arrives. */
  final List<String> hangCalls = new CopyOnWriteArrayList<>();

  volatile Set<String> accepted;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Tomcat tomcat;
  private final McpSyncServer mcp;

  TestMcpServer(Set<String> acceptedTokens) throws Exception {
    this.accepted = acceptedTokens;
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder().mcpEndpoint("/mcp").build();
    McpSchema.Tool echo =
        McpSchema.Tool.builder()
            .name("echo")
            .description("Echoes its text.")
            .inputSchema(
                new McpSchema.JsonSchema(
                    "object",
                    Map.of("text", Map.of("type", "string")),
                    List.of("text"),
                    null,
                    null,
                    null))
            .build();
    McpSchema.Tool hang =
        McpSchema.Tool.builder()
            .name("hang")
            .description("Starts and never finishes.")
            .inputSchema(echo.inputSchema())
            .build();
    mcp =
        McpServer.sync(transport)
            .serverInfo("test-mcp", "1.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
            .toolCall(
                echo,
                (exchange, req) -> {
                  echoCalls.add(String.valueOf(req.arguments().get("text")));
                  return McpSchema.CallToolResult.builder()
                      .addTextContent("echo: " + req.arguments().get("text"))
                      .isError(false)
                      .build();
                })
            .toolCall(
                hang,
                (exchange, req) -> {
                  hangCalls.add(String.valueOf(req.arguments().get("text")));
                  try {
                    closing.await(2, TimeUnit.MINUTES);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return McpSchema.CallToolResult.builder()
                      .addTextContent("hang: released")
                      .isError(false)
                      .build();
                })
            .build();
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context ctx = tomcat.addContext("", null);
    HttpServlet gate =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void service(HttpServletRequest req, HttpServletResponse resp)
              throws ServletException, IOException {
            String auth = req.getHeader("Authorization");
            authorizations.add(auth == null ? "" : auth);
            Set<String> ok = accepted;
            if (ok != null
                && (auth == null
                    || !auth.startsWith("Bearer ")
                    || !ok.contains(auth.substring(7)))) {
              resp.sendError(401);
              return;
            }
            transport.service(req, resp);
          }
        };
    org.apache.catalina.Wrapper wrapper = Tomcat.addServlet(ctx, "mcp", gate);
    wrapper.setAsyncSupported(true);
    wrapper.addMapping("/mcp");
    tomcat.start();
  }

  String url() {
    return "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/mcp";
  }

  @Override
  public void close() throws org.apache.catalina.LifecycleException {
    closing.countDown();
    mcp.close();
    tomcat.stop();
    tomcat.destroy();
  }
}
