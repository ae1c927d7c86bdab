namespace Ax.Tests.EndToEnd;

/// <summary>
/// <c>ax daemon --tls</c> with files that cannot work: the daemon refuses to start, before it serves
/// anything, with exit 2 and one sentence on stderr that names the problem, never a stack trace.
/// Certificates come from the openssl CLI (<see cref="TestCertificates"/>).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DaemonTlsBadInputTests : IDisposable
{
    private readonly TestCertificates _certs = TestCertificates.Create();
    private readonly (string Cert, string Key) _ca;
    private readonly (string Cert, string Key) _node;

    public DaemonTlsBadInputTests()
    {
        _ca = _certs.SelfSigned("ax-cluster-ca");
        _node = _certs.Signed(_ca, "node1");
    }

    [Fact]
    public void TlsWithoutItsFiles_ExitsTwo_NamingTheMissingFlags()
    {
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert]);
        AssertOneSentence(result, "--tls needs --tls-cert, --tls-key too");
    }

    [Fact]
    public void TlsFilesWithoutTls_ExitsTwo()
    {
        var result = Daemon(["--tls-ca-cert", _ca.Cert, "--tls-cert", _node.Cert, "--tls-key", _node.Key]);
        AssertOneSentence(result, "take effect only with --tls");
    }

    [Fact]
    public void ARelativePath_ExitsTwo_AskingForTheFullPath()
    {
        var result = Daemon(["--tls", "--tls-ca-cert", "ca.crt", "--tls-cert", _node.Cert, "--tls-key", _node.Key]);
        AssertOneSentence(result, "--tls-ca-cert 'ca.crt' is not an absolute path");
    }

    [Fact]
    public void AMissingCaFile_ExitsTwo_NamingIt()
    {
        string missing = Path.Combine(_certs.Directory, "nosuch-ca.crt");
        var result = Daemon(["--tls", "--tls-ca-cert", missing, "--tls-cert", _node.Cert, "--tls-key", _node.Key]);
        AssertOneSentence(result, $"--tls-ca-cert {missing} does not exist");
    }

    [Fact]
    public void AMissingKeyFile_ExitsTwo_NamingIt()
    {
        string missing = Path.Combine(_certs.Directory, "nosuch.key");
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert, "--tls-cert", _node.Cert, "--tls-key", missing]);
        AssertOneSentence(result, $"--tls-key {missing} does not exist");
    }

    [Fact]
    public void AKeyThatDoesNotMatchTheCertificate_ExitsTwo()
    {
        var other = _certs.Signed(_ca, "node2");
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert, "--tls-cert", _node.Cert, "--tls-key", other.Key]);
        AssertOneSentence(result, $"--tls-key {other.Key} is not the private key of --tls-cert {_node.Cert}");
    }

    [Fact]
    public void ACertificateAnotherCaSigned_ExitsTwo_SayingPeersWouldRefuseIt()
    {
        var rogueCa = _certs.SelfSigned("rogue-ca");
        var rogue = _certs.Signed(rogueCa, "rogue");
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert, "--tls-cert", rogue.Cert, "--tls-key", rogue.Key]);
        AssertOneSentence(result, $"the certificate --tls-cert {rogue.Cert} is not signed by the CA --tls-ca-cert {_ca.Cert}");
    }

    [Fact]
    public void AKeyGivenAsTheCaCertificate_ExitsTwo()
    {
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Key, "--tls-cert", _node.Cert, "--tls-key", _node.Key]);
        AssertOneSentence(result, $"--tls-ca-cert {_ca.Key} is not a certificate");
    }

    [Fact]
    public void ACertificateGivenAsTheKey_ExitsTwo_SayingItHoldsNoKey()
    {
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert, "--tls-cert", _node.Cert, "--tls-key", _node.Cert]);
        AssertOneSentence(result, $"--tls-key {_node.Cert} holds no PEM private key");
    }

    [Fact]
    public void ADirectoryGivenAsTheCertificate_ExitsTwo()
    {
        var result = Daemon(["--tls", "--tls-ca-cert", _ca.Cert, "--tls-cert", _certs.Directory, "--tls-key", _node.Key]);
        AssertOneSentence(result, $"--tls-cert {_certs.Directory} cannot be read");
    }

    public void Dispose() => _certs.Dispose();

    private static CommandResult Daemon(string[] args)
    {
        using var node = TestNode.Create(startDaemon: false);
        return node.Run(["daemon", "--dns=false", .. args], ax: true, timeout: TimeSpan.FromSeconds(20));
    }

    private static void AssertOneSentence(CommandResult result, string expected)
    {
        string[] lines = result.Stderr.TrimEnd().Split('\n');
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("ax: ", StringComparison.Ordinal), $"stderr is not one 'ax:' line:\n{result.Stderr}");
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }
}
