package dev.agentry.sandbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads the server name (SNI) from a TLS ClientHello record; null if absent or malformed. */
final class Sni {
  private Sni() {}

  static String parse(byte[] record) {
    try {
      ByteBuffer b = ByteBuffer.wrap(record);
      if (b.get() != 0x16) {
        return null;
      }
      b.position(5); // content type, version, length
      if (b.get() != 0x01) {
        return null; // not a ClientHello
      }
      b.position(b.position() + 3 + 2 + 32); // handshake length, client_version, random
      skip(b, b.get() & 0xff); // session id
      skip(b, b.getShort() & 0xffff); // cipher suites
      skip(b, b.get() & 0xff); // compression methods
      int extEnd = (b.getShort() & 0xffff) + b.position();
      while (b.position() + 4 <= Math.min(extEnd, b.limit())) {
        int type = b.getShort() & 0xffff;
        int len = b.getShort() & 0xffff;
        if (type != 0) {
          skip(b, len);
          continue;
        }
        int listEnd = (b.getShort() & 0xffff) + b.position();
        while (b.position() + 3 <= listEnd) {
          int nameType = b.get() & 0xff;
          int nameLen = b.getShort() & 0xffff;
          byte[] name = new byte[nameLen];
          b.get(name);
          if (nameType == 0) {
            return new String(name, StandardCharsets.US_ASCII);
          }
        }
        return null;
      }
      return null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void skip(ByteBuffer b, int n) {
    b.position(b.position() + n);
  }
}
