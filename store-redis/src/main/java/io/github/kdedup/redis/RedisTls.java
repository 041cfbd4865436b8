package io.github.kdedup.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TLS trust and identity of the store's connections: which CAs to trust (a PEM file, a trust
 * store, or the JVM's default), an optional client certificate for mutual TLS (PEM certificate and
 * PKCS#8 key, or a key store), and whether the server's certificate must name the host connected to
 * (on by default). Immutable and thread-safe; {@link #toString()} shows no password.
 *
 * @param caCert PEM file of the CA certificate(s) to trust, or null
 * @param trustStore trust store file (PKCS12 or JKS), or null; not with {@code caCert}
 * @param trustStorePassword its password, or null
 * @param clientCert PEM file of the client certificate (chain), or null; needs {@code clientKey}
 * @param clientKey PEM file of the client's unencrypted PKCS#8 private key, or null
 * @param keyStore key store file (PKCS12 or JKS) with the client key and certificate, or null
 * @param keyStorePassword its password (also the key's), or null
 * @param verifyHostname whether the server certificate must name the host of the URI
 */
record RedisTls(
        @Nullable Path caCert,
        @Nullable Path trustStore,
        @Nullable String trustStorePassword,
        @Nullable Path clientCert,
        @Nullable Path clientKey,
        @Nullable Path keyStore,
        @Nullable String keyStorePassword,
        boolean verifyHostname) {

    /** The JVM's default trust, no client certificate, host names verified. */
    static final RedisTls DEFAULT = new RedisTls(null, null, null, null, null, null, null, true);

    /**
     * Checks the combination of settings.
     *
     * @throws IllegalArgumentException naming the settings that do not go together
     */
    RedisTls {
        if (caCert != null && trustStore != null) {
            throw new IllegalArgumentException("give caCert or trustStore, not both");
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("mutual TLS needs both clientCert and clientKey (PEM files)");
        }
        if (clientCert != null && keyStore != null) {
            throw new IllegalArgumentException("give clientCert/clientKey or keyStore, not both");
        }
    }

    /** Returns the parameters of every TLS socket: host name verification, or not. */
    SSLParameters parameters() {
        SSLParameters parameters = new SSLParameters();
        if (verifyHostname) {
            // The standard check of the certificate's names against the host connected to (RFC 2818).
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }

    /**
     * Builds the socket factory from the files.
     *
     * @throws IllegalArgumentException naming the setting whose file is missing, unreadable or not
     *     what the setting needs
     */
    SSLSocketFactory socketFactory() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustedCertificates());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore identity = identity();
            keys.init(identity, identity == null ? null : password(keyStorePassword));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(identity == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS from the given files: " + e.getMessage(), e);
        }
    }

    /** The trust store to use, or null for the JVM's default CAs. */
    private @Nullable KeyStore trustedCertificates() throws GeneralSecurityException {
        if (trustStore != null) {
            return load("trustStore", trustStore, trustStorePassword);
        }
        if (caCert == null) {
            return null;
        }
        List<Certificate> certificates = certificates("caCert", caCert);
        KeyStore store = emptyStore();
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("ca-" + i, certificates.get(i));
        }
        return store;
    }

    private @Nullable KeyStore identity() throws GeneralSecurityException {
        if (keyStore != null) {
            return load("keyStore", keyStore, keyStorePassword);
        }
        if (clientCert == null || clientKey == null) {
            return null;
        }
        List<Certificate> chain = certificates("clientCert", clientCert);
        KeyStore store = emptyStore();
        store.setKeyEntry(
                "client", privateKey(clientKey), password(keyStorePassword), chain.toArray(new Certificate[0]));
        return store;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("an empty key store cannot fail to load", e);
        }
        return store;
    }

    private static KeyStore load(String setting, Path file, @Nullable String password) {
        if (!Files.isRegularFile(file)) {
            throw missing(setting, file);
        }
        try {
            // KeyStore.getInstance(File, ...) tells PKCS12 from JKS by the content.
            return KeyStore.getInstance(file.toFile(), password(password));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    setting + " '" + file + "' is not a PKCS12 or JKS store that opens with " + "the given password ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    private static List<Certificate> certificates(String setting, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> found =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (found.isEmpty()) {
                throw new IllegalArgumentException(setting + " '" + file + "' holds no certificate");
            }
            return new ArrayList<>(found);
        } catch (NoSuchFileException e) {
            throw missing(setting, file);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    setting + " '" + file + "' is not a PEM (or DER) X.509 certificate file (" + e.getMessage() + ")",
                    e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw missing("clientKey", file);
        } catch (IOException e) {
            throw new IllegalArgumentException("clientKey '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("clientKey '" + file + "' is not an unencrypted PKCS#8 PEM key "
                    + "(-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in "
                    + file.getFileName() + " -out client-pkcs8.key");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("clientKey '" + file + "' is not an RSA, EC or EdDSA PKCS#8 key");
    }

    private static IllegalArgumentException missing(String setting, Path file) {
        return new IllegalArgumentException(
                setting + " '" + file + "' does not exist: give the path of the file on this machine");
    }

    private static char[] password(@Nullable String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    @Override
    public String toString() {
        return "RedisTls[caCert=" + caCert + ", trustStore=" + trustStore + ", clientCert=" + clientCert + ", keyStore="
                + keyStore + ", verifyHostname=" + verifyHostname + "]";
    }
}
