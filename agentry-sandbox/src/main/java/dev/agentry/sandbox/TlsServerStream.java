package dev.agentry.sandbox;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The server side of a TLS connection over plain blocking streams (the proxy's Unix socket has no
 * {@code java.net.Socket} to layer an {@code SSLSocket} on), starting from bytes already read (the
 * ClientHello the proxy inspected for SNI).
 */
final class TlsServerStream implements Closeable {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SSLEngine engine;
  private final InputStream rawIn;
  private final OutputStream rawOut;
  private ByteBuffer netIn; // read mode
  private ByteBuffer appIn; // read mode
  private ByteBuffer netOut;
  private final Object writeLock = new Object();

  TlsServerStream(SSLEngine engine, InputStream rawIn, OutputStream rawOut, byte[] initial) {
    this.engine = engine;
    this.rawIn = rawIn;
    this.rawOut = rawOut;
    SSLSession s = engine.getSession();
    netIn = ByteBuffer.allocate(Math.max(s.getPacketBufferSize(), initial.length));
    netIn.put(initial).flip();
    appIn = ByteBuffer.allocate(s.getApplicationBufferSize()).flip();
    netOut = ByteBuffer.allocate(s.getPacketBufferSize());
  }

  void handshake() throws IOException {
    engine.beginHandshake();
    while (true) {
      switch (engine.getHandshakeStatus()) {
        case NEED_TASK -> runTasks();
        case NEED_WRAP -> wrap(EMPTY);
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
          if (!unwrap()) {
            throw new EOFException("the client closed during the TLS handshake");
          }
        }
        default -> {
          return;
        }
      }
    }
  }

  /** One unwrap step; false at the end of the stream or on close_notify. */
  private boolean unwrap() throws IOException {
    while (true) {
      appIn.compact();
      SSLEngineResult r;
      try {
        r = engine.unwrap(netIn, appIn);
      } finally {
        appIn.flip();
      }
      switch (r.getStatus()) {
        case OK -> {
          return true;
        }
        case CLOSED -> {
          return false;
        }
        case BUFFER_OVERFLOW -> {
          ByteBuffer b =
              ByteBuffer.allocate(
                  appIn.remaining() + engine.getSession().getApplicationBufferSize());
          b.put(appIn).flip();
          appIn = b;
        }
        case BUFFER_UNDERFLOW -> {
          if (!fill()) {
            return false;
          }
        }
      }
    }
  }

  private boolean fill() throws IOException {
    netIn.compact();
    if (!netIn.hasRemaining()) {
      ByteBuffer b = ByteBuffer.allocate(netIn.capacity() * 2);
      netIn.flip();
      b.put(netIn);
      netIn = b;
    }
    int n = rawIn.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
    if (n > 0) {
      netIn.position(netIn.position() + n);
    }
    netIn.flip();
    return n > 0;
  }

  private void wrap(ByteBuffer src) throws IOException {
    synchronized (writeLock) {
      do {
        netOut.clear();
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
          netOut = ByteBuffer.allocate(netOut.capacity() * 2);
          continue;
        }
        netOut.flip();
        rawOut.write(netOut.array(), 0, netOut.limit());
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
          break;
        }
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
          runTasks();
        }
      } while (src.hasRemaining());
      rawOut.flush();
    }
  }

  private void runTasks() {
    for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
      t.run();
    }
  }

  final InputStream in =
      new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] b = new byte[1];
          return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          while (!appIn.hasRemaining()) {
            if (!unwrap()) {
              return -1;
            }
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
              runTasks();
            }
            if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
              wrap(EMPTY);
            }
          }
          int n = Math.min(len, appIn.remaining());
          appIn.get(b, off, n);
          return n;
        }
      };

  final OutputStream out =
      new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          if (len > 0) {
            wrap(ByteBuffer.wrap(b, off, len));
          }
        }
      };

  /** Sends close_notify; the raw connection is the caller's. */
  @Override
  public void close() {
    engine.closeOutbound();
    try {
      for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
        wrap(EMPTY);
      }
    } catch (IOException | RuntimeException ignored) {
      // the client is gone
    }
  }

  static boolean isTlsFailure(Throwable e) {
    return e instanceof SSLException;
  }
}
