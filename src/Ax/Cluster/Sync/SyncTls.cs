using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ax.Cluster.Sync;

/// <summary>
/// <c>--tls</c>: every sync connection is TLS with both ends authenticated against the cluster's CA
/// (<c>--tls-ca-cert</c>); each daemon shows its own certificate (<c>--tls-cert</c>, <c>--tls-key</c>). A
/// daemon whose certificate the CA did not sign cannot subscribe to a table (the publisher refuses its
/// handshake) nor serve one (subscribers refuse its certificate), so it neither reads nor writes any
/// node's rows. Certificates are checked for the chain only, not for names: nodes are dialled by address,
/// and the CA is the cluster's own.
/// </summary>
internal sealed class SyncTls : IDisposable
{
    private const byte TlsHandshakeRecord = 22;

    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _certificate;
    private readonly SslStreamCertificateContext _context;

    private SyncTls(X509Certificate2 ca, X509Certificate2 certificate)
    {
        _ca = ca;
        _certificate = certificate;
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    /// <summary>Loads the PEM files; a file that is missing or not what it should be is one sentence in <paramref name="problem"/>.</summary>
    internal static SyncTls? TryLoad(string caPath, string certPath, string keyPath, out string? problem)
    {
        // Every problem is said here in words: a NativeAOT build keeps resource keys, not sentences, in
        // exception messages (UseSystemResourceKeys), so no exception's message reaches the user.
        problem = Unreadable("--tls-ca-cert", caPath) ?? Unreadable("--tls-cert", certPath) ?? Unreadable("--tls-key", keyPath);
        if (problem is not null)
        {
            return null;
        }

        X509Certificate2 ca;
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        }
        catch (CryptographicException)
        {
            problem = $"--tls-ca-cert {caPath} is not a certificate; give the PEM certificate of the CA that signed every node's certificate";
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            ca.Dispose();
            problem = KeyProblem(certPath, keyPath);
            return null;
        }

        if (!IsSignedBy(certificate, ca))
        {
            ca.Dispose();
            certificate.Dispose();
            problem = $"the certificate --tls-cert {certPath} is not signed by the CA --tls-ca-cert {caPath}; peers would refuse it";
            return null;
        }

        return new SyncTls(ca, certificate);
    }

    /// <summary>
    /// The stream wrapper for <see cref="SyncOptions.WrapStream"/>. A handshake that fails throws an
    /// <see cref="AuthenticationException"/> whose message says in one clause why, for the sync's refusal
    /// log lines: a certificate the CA did not sign, none at all, or a peer that does not speak TLS.
    /// </summary>
    internal async ValueTask<Stream> WrapAsync(Stream inner, SyncStreamSide side, string? peer, CancellationToken cancellationToken)
    {
        if (side == SyncStreamSide.Publisher && await PlainTextPeerAsync(inner, cancellationToken).ConfigureAwait(false))
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException("it does not speak TLS: its daemon runs without --tls, so it gets no table from this one");
        }

        string? rejected = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, _, _) => (rejected = Rejection(certificate)) is null);
        try
        {
            if (side == SyncStreamSide.Publisher)
            {
                await ssl.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _context,
                        ClientCertificateRequired = true,
                        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = peer ?? "ax",
                        ClientCertificateContext = _context,
                        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException && !cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);

            // This end's own check says exactly what was wrong. Otherwise the other end gave up: with TLS 1.3
            // a client checks the server's certificate before it shows its own (RFC 8446, section 4.4.2), so a
            // peer of another CA aborts the handshake, and one without --tls closes at our ClientHello.
            throw new AuthenticationException(
                rejected ?? "the TLS handshake failed: the peer does not trust this node's certificate (another CA?) or runs without --tls",
                ex);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return ssl;
    }

    /// <summary>
    /// True when the subscriber's first byte is not a TLS handshake record (content type 22, RFC 8446
    /// section 5.1) but, as a daemon without --tls sends, the first byte of a sync frame's length. Peeked
    /// (recv(2) MSG_PEEK), so the handshake still reads it.
    /// </summary>
    private static async ValueTask<bool> PlainTextPeerAsync(Stream inner, CancellationToken cancellationToken)
    {
        if (inner is not System.Net.Sockets.NetworkStream network)
        {
            return false;
        }

        byte[] first = new byte[1];
        int read = await network.Socket.ReceiveAsync(first, System.Net.Sockets.SocketFlags.Peek, cancellationToken).ConfigureAwait(false);
        return read == 1 && first[0] != TlsHandshakeRecord;
    }

    /// <summary>Why the peer's certificate is refused, or null when the CA signed it.</summary>
    private string? Rejection(X509Certificate? certificate) =>
        certificate is null ? "it showed no certificate"
        : IsSignedBy(certificate, _ca) ? null
        : $"its certificate {certificate.Subject} (issued by {certificate.Issuer}) is not signed by this cluster's CA {_ca.Subject} (--tls-ca-cert)";

    /// <summary>Why <paramref name="path"/> cannot be opened for reading, or null.</summary>
    private static string? Unreadable(string flag, string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{flag} {path} does not exist; give the full path of the PEM file";
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"{flag} {path} cannot be read (not a file, or permission denied); give the full path of a PEM file root can read";
        }
    }

    /// <summary>Which of the two files <see cref="X509Certificate2.CreateFromPemFile"/> refused, and why.</summary>
    private static string KeyProblem(string certPath, string keyPath)
    {
        try
        {
            using var alone = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            string key = File.ReadAllText(keyPath);
            return key.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
                ? $"--tls-key {keyPath} is encrypted; give the key without a passphrase (openssl pkey -in KEY -out PLAIN), readable by root only"
                : !key.Contains("PRIVATE KEY-----", StringComparison.Ordinal)
                ? $"--tls-key {keyPath} holds no PEM private key; give the private key of --tls-cert {certPath}"
                : $"--tls-key {keyPath} is not the private key of --tls-cert {certPath} (or not an RSA or ECDSA key); give the key the certificate was made for";
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return $"--tls-cert {certPath} is not a PEM certificate; give this node's certificate, signed by the CA, in PEM";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"--tls-key {keyPath} cannot be read; give the full path of a PEM file root can read";
        }
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="ca"/> and nothing else is trusted.</summary>
    private static bool IsSignedBy(X509Certificate certificate, X509Certificate2 ca)
    {
        // A copy: the certificate SslStream hands over is its own to dispose.
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _ca.Dispose();
    }
}
