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
        X509Certificate2 ca;
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            problem = $"cannot read the CA certificate --tls-ca-cert {caPath} ({ex.Message.TrimEnd('.')}); give the PEM file of the CA that signed every node's certificate";
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            ca.Dispose();
            problem = $"cannot read this node's certificate and key (--tls-cert {certPath}, --tls-key {keyPath}: {ex.Message.TrimEnd('.')}); give the PEM certificate the CA signed and its private key";
            return null;
        }

        if (!IsSignedBy(certificate, ca))
        {
            ca.Dispose();
            certificate.Dispose();
            problem = $"the certificate --tls-cert {certPath} is not signed by the CA --tls-ca-cert {caPath}; peers would refuse it";
            return null;
        }

        problem = null;
        return new SyncTls(ca, certificate);
    }

    /// <summary>The stream wrapper for <see cref="SyncOptions.WrapStream"/>.</summary>
    internal async ValueTask<Stream> WrapAsync(Stream inner, SyncStreamSide side, string? peer, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate is not null && IsSignedBy(certificate, _ca));
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
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return ssl;
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
