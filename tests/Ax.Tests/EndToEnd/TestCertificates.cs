using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// PEM certificates and keys made with the <c>openssl</c> CLI, as an operator would make them (openssl-req(1),
/// openssl-x509(1)), in a temporary directory that disposing removes. ECDSA P-256 throughout, valid for a day.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    internal string Directory { get; }

    internal static TestCertificates Create() =>
        new(System.IO.Directory.CreateTempSubdirectory("ax-tls-").FullName);

    /// <summary>A self-signed certificate with CA:TRUE (a cluster's CA, or a rogue's own); returns its certificate path.</summary>
    internal (string Cert, string Key) SelfSigned(string name)
    {
        var pair = Paths(name);
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", pair.Key, "-out", pair.Cert, "-subj", $"/CN={name}", "-days", "1");
        return pair;
    }

    /// <summary>A node certificate for <paramref name="name"/> signed by the CA <paramref name="ca"/> (a v3 leaf for TLS client and server).</summary>
    internal (string Cert, string Key) Signed((string Cert, string Key) ca, string name)
    {
        var pair = Paths(name);
        string request = Path.Combine(Directory, $"{name}.csr");
        string extensions = Path.Combine(Directory, $"{name}.ext");
        File.WriteAllText(extensions, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n");
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", pair.Key, "-out", request, "-subj", $"/CN={name}");
        OpenSsl("x509", "-req", "-in", request, "-CA", ca.Cert, "-CAkey", ca.Key, "-set_serial", $"{Random.Shared.Next(1, int.MaxValue)}",
            "-extfile", extensions, "-out", pair.Cert, "-days", "1");
        return pair;
    }

    /// <summary>The arguments that give a daemon --tls with <paramref name="ca"/> as its CA and <paramref name="own"/> as its certificate.</summary>
    internal static string[] DaemonArgs(string ca, (string Cert, string Key) own) =>
        ["--tls", "--tls-ca-cert", ca, "--tls-cert", own.Cert, "--tls-key", own.Key];

    private (string Cert, string Key) Paths(string name) =>
        (Path.Combine(Directory, $"{name}.crt"), Path.Combine(Directory, $"{name}.key"));

    private static void OpenSsl(params string[] args)
    {
        var result = Shell.Run(new ProcessStartInfo("openssl", args), null, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', args)}: {result}");
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
