using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ax.Cluster.Sync;

namespace Ax.Tests.Cluster.Sync;

/// <summary>
/// The seam <c>--tls</c> will use: <see cref="SyncOptions.WrapStream"/> with mutual TLS against a cluster
/// CA, on both ends. A daemon whose certificate another CA signed reads nothing.
/// </summary>
public sealed class SyncTlsSeamTests
{
    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, string node)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(node);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(50), [1, 2, 3, (byte)node[0]]);
        using var withKey = signed.CopyWithPrivateKey(key);

        // An ephemeral key cannot serve TLS on every platform; a round trip through PKCS#12 makes it a stored one.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Signed by <paramref name="ca"/>: the check --tls-ca-cert will make.</summary>
    private static bool SignedBy(X509Certificate2 ca, X509Certificate? presented)
    {
        if (presented is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }

    private static SyncOptions Tls(X509Certificate2 trusted, X509Certificate2 own) => SyncTestNode.Fast(async (stream, side, peer, cancel) =>
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        if (side == SyncStreamSide.Publisher)
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = own,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => SignedBy(trusted, certificate),
            }, cancel);
        }
        else
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = peer,
                ClientCertificates = [own],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    SignedBy(trusted, certificate) && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0,
            }, cancel);
        }

        return tls;
    });

    [Fact]
    public async Task MutualTlsWrap_CarriesTheTable_AndAForeignCaReadsNothing()
    {
        using var ca = Ca("cluster-ca");
        using var rogueCa = Ca("rogue-ca");
        using var aCert = Leaf(ca, "a");
        using var bCert = Leaf(ca, "b");
        using var rogueCert = Leaf(rogueCa, "r");
        await using var a = new SyncTestNode("a", Tls(ca, aCert));
        await using var b = new SyncTestNode("b", Tls(ca, bCert));
        await using var rogue = new SyncTestNode("r", Tls(rogueCa, rogueCert));
        SyncTestNode.Join(a, b, rogue);
        a.Local.AddService(SyncRows.Service("a", 1));

        await RecordingSink.WaitAsync(() => b.Sink.Has("a", "a-s1") && a.Sink.Tables.ContainsKey("b"), "a's rows on b over TLS");
        await RecordingSink.WaitAsync(() => rogue.Logger.Text.Contains("not following a", StringComparison.Ordinal), "the rogue's handshake with a fails, logged as a refusal");
        Assert.Empty(rogue.Sink.Tables);
        Assert.False(b.Sink.Tables.ContainsKey("r"));
        Assert.False(a.Sink.Tables.ContainsKey("r"));
        Assert.Equal(1, a.Sync.Publisher.SubscriberCount);
    }
}
