package dev.agentry.sandbox;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installation's egress CA: an EC P-256 key ({@code ca.key}, PKCS#8 PEM, mode 0600) and a
 * self-signed certificate ({@code ca.crt}) in one directory, created on first use. Only sandboxes
 * trust it (a bundle bound over their system bundle); the host's trust store is never touched. It
 * signs short-lived leaf certificates, one per intercepted host, cached in memory.
 */
public final class EgressCa {
  private static final Logger LOG = LoggerFactory.getLogger(EgressCa.class);
  private static final String KEY = "ca.key";
  private static final String CERT = "ca.crt";
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration LEAF_VALIDITY = Duration.ofDays(30);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] NO_PASSWORD = "agentry".toCharArray();

  private final Path dir;
  private volatile Loaded loaded;
  private final Map<String, Leaf> leaves = new ConcurrentHashMap<>();

  private record Loaded(PrivateKey key, X509Certificate cert, String pem, KeyPair leafKey) {}

  private record Leaf(SSLContext context, Instant notAfter) {}

  private EgressCa(Path dir) {
    this.dir = dir;
  }

  /** The CA kept in {@code dir} (created with its key at first use). */
  public static EgressCa at(Path dir) {
    return new EgressCa(dir.toAbsolutePath().normalize());
  }

  public Path directory() {
    return dir;
  }

  /** The CA certificate (loads or creates the CA). */
  public X509Certificate certificate() {
    return load().cert();
  }

  /** The CA certificate as PEM. */
  public String certificatePem() {
    return load().pem();
  }

  /** A trust manager accepting exactly this CA (for tests and clients outside the sandbox). */
  public X509TrustManager trustManager() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("agentry-egress-ca", certificate());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return (X509TrustManager) tmf.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust manager for the egress CA", e);
    }
  }

  /** A server-side TLS context presenting a leaf certificate for {@code host}, signed by the CA. */
  public SSLContext serverContext(String host) {
    Instant now = Instant.now();
    Leaf l = leaves.get(host);
    if (l == null || l.notAfter().isBefore(now.plus(Duration.ofDays(1)))) {
      l = issue(host);
      leaves.put(host, l);
    }
    return l.context();
  }

  private Leaf issue(String host) {
    Loaded ca = load();
    try {
      Instant now = Instant.now();
      Instant notAfter = now.plus(LEAF_VALIDITY);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca.cert(),
              new BigInteger(96, RANDOM).add(BigInteger.ONE),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(notAfter),
              new X500Name("CN=" + host.replace(",", "").replace("=", "")),
              ca.leafKey().getPublic());
      JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          u.createSubjectKeyIdentifier(ca.leafKey().getPublic()));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca.cert()));
      GeneralName san =
          EgressPolicy.isIpLiteral(host)
              ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(host).getHostAddress())
              : new GeneralName(GeneralName.dNSName, host);
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
      X509Certificate leaf = sign(b, ca.key());
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "leaf", ca.leafKey().getPrivate(), NO_PASSWORD, new Certificate[] {leaf, ca.cert()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, NO_PASSWORD);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return new Leaf(ctx, notAfter);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue an egress certificate for " + host, e);
    }
  }

  private Loaded load() {
    Loaded l = loaded;
    if (l != null) {
      return l;
    }
    synchronized (this) {
      if (loaded == null) {
        try {
          loaded = Files.exists(dir.resolve(KEY)) ? read() : create();
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
          throw new IllegalStateException("cannot load or create the egress CA in " + dir, e);
        }
      }
      return loaded;
    }
  }

  private Loaded read() throws IOException, GeneralSecurityException {
    PrivateKey key;
    X509Certificate cert;
    try (Reader r = Files.newBufferedReader(dir.resolve(KEY));
        PEMParser p = new PEMParser(r)) {
      key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
    }
    try (Reader r = Files.newBufferedReader(dir.resolve(CERT));
        PEMParser p = new PEMParser(r)) {
      cert =
          new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) p.readObject());
    }
    return new Loaded(key, cert, pem(cert), ecKeyPair());
  }

  private Loaded create() throws IOException, GeneralSecurityException, OperatorCreationException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    KeyPair kp = ecKeyPair();
    Instant now = Instant.now();
    byte[] id = new byte[4];
    RANDOM.nextBytes(id);
    X500Name name =
        new X500Name(
            "CN=Agentry egress CA "
                + java.util.HexFormat.of().formatHex(id)
                + ",O=Agentry (sandbox only)");
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            new BigInteger(96, RANDOM).add(BigInteger.ONE),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(CA_VALIDITY)),
            name,
            kp.getPublic());
    JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(
        Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
    X509Certificate cert = sign(b, kp.getPrivate());
    StringWriter keyPem = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(keyPem)) {
      w.writeObject(new JcaPKCS8Generator(kp.getPrivate(), null));
    }
    Path keyFile = dir.resolve(KEY);
    Files.deleteIfExists(keyFile);
    Files.createFile(
        keyFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(keyFile, keyPem.toString(), StandardOpenOption.TRUNCATE_EXISTING);
    String pem = pem(cert);
    Files.writeString(dir.resolve(CERT), pem, StandardCharsets.US_ASCII);
    LOG.info(
        "created the egress CA in {} ({}); only sandboxes trust it",
        dir,
        cert.getSubjectX500Principal());
    return new Loaded(kp.getPrivate(), cert, pem, ecKeyPair());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static String pem(X509Certificate cert) throws IOException {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(new JcaMiscPEMGenerator(cert));
    }
    return s.toString();
  }
}
