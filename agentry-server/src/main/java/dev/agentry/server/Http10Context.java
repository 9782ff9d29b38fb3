package dev.agentry.server;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1Config;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * A connection whose client speaks HTTP/1.0, as Helidon's HTTP/1.1 connection sees it: the request
 * read through {@link Http10Request}, the response written through {@link UnchunkingWriter}.
 */
final class Http10Context implements ConnectionContext {
  private final ConnectionContext socket;
  private final DataReader reader;
  private final DataWriter writer;

  Http10Context(ConnectionContext socket, Http1Config config) {
    this.socket = socket;
    UnchunkingWriter unchunking = new UnchunkingWriter(socket.dataWriter());
    this.writer = unchunking;
    this.reader =
        Http10Request.reader(
            socket.dataReader(), socket.localPeer(), config, unchunking::responseStarted);
  }

  @Override
  public DataReader dataReader() {
    return reader;
  }

  @Override
  public DataWriter dataWriter() {
    return writer;
  }

  @Override
  public ListenerContext listenerContext() {
    return socket.listenerContext();
  }

  @Override
  public ExecutorService executor() {
    return socket.executor();
  }

  @Override
  public Router router() {
    return socket.router();
  }

  @Override
  public Optional<ProxyProtocolData> proxyProtocolData() {
    return socket.proxyProtocolData();
  }

  @Override
  public HelidonSocket serverSocket() {
    return socket.serverSocket();
  }

  @Override
  public PeerInfo remotePeer() {
    return socket.remotePeer();
  }

  @Override
  public PeerInfo localPeer() {
    return socket.localPeer();
  }

  @Override
  public boolean isSecure() {
    return socket.isSecure();
  }

  @Override
  public String socketId() {
    return socket.socketId();
  }

  @Override
  public String childSocketId() {
    return socket.childSocketId();
  }
}
