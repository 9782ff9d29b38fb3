package dev.agentry.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of PostgreSQL that a test can cut (every connection dropped, new ones
 * refused) and restore on the same port: to the server, a database outage, without stopping the
 * cluster other tests share.
 */
final class CuttableProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listener;

  CuttableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = bind(0);
    this.port = listener.getLocalPort();
    accept(listener);
  }

  int port() {
    return port;
  }

  /** Drops every connection and refuses new ones until {@link #restore}. */
  synchronized void cut() throws IOException {
    listener.close();
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  /** Accepts connections again, on the same port. */
  synchronized void restore() throws IOException {
    listener = bind(port);
    accept(listener);
  }

  @Override
  public synchronized void close() throws IOException {
    cut();
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void accept(ServerSocket from) {
    Thread.ofVirtual()
        .start(
            () -> {
              while (!from.isClosed()) {
                try {
                  Socket client = from.accept();
                  Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                  open.add(client);
                  open.add(upstream);
                  pipe(client, upstream);
                  pipe(upstream, client);
                } catch (IOException e) {
                  return; // cut
                }
              }
            });
  }

  private void pipe(Socket from, Socket to) {
    Thread.ofVirtual()
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // cut, or the other side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            });
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
