using Ax.Cli;

namespace Ax.Tests.Cli;

/// <summary>The seed's compose-file variables for <c>ax daemon</c>; flags on the command line win.</summary>
public sealed class DaemonEnvironmentTests
{
    [Fact]
    public void ComposeVariables_BecomeFlags_EmptyOnesSayNothing()
    {
        var env = Env(("AX_DRIVER", "user"), ("AX_NODE_INTERFACE", ""), ("AX_NEIGHBORS", "10.0.0.5,10.0.0.6"), ("AX_CLUSTER", "blue"), ("AX_OPTS", "--clean --gossip-port 7000"));

        string[] args = DaemonEnvironment.Apply(["daemon"], env);

        Assert.Equal(["daemon", "--driver=user", "--neighbors=10.0.0.5,10.0.0.6", "--cluster=blue", "--clean", "--gossip-port", "7000"], args);
    }

    [Fact]
    public void FlagsOnTheCommandLine_WinOverTheEnvironment_AndOverAxOpts()
    {
        var env = Env(("AX_CLUSTER", "blue"), ("AX_OPTS", "--gossip-port 7000 --clean"));

        string[] args = DaemonEnvironment.Apply(["--run-dir", "/tmp/x", "daemon", "--cluster", "red", "--gossip-port=7100"], env);

        Assert.Equal(["--run-dir", "/tmp/x", "daemon", "--cluster", "red", "--gossip-port=7100", "--clean"], args);
    }

    [Fact]
    public void OtherCommands_AreLeftAlone()
    {
        var env = Env(("AX_CLUSTER", "blue"), ("AX_OPTS", "--clean"));

        Assert.Equal(["run", "--", "daemon"], DaemonEnvironment.Apply(["run", "--", "daemon"], env));
        Assert.Equal(["get", "apps"], DaemonEnvironment.Apply(["get", "apps"], env));
    }

    [Fact]
    public void FederationVariables_AreAccepted_AndNotedAsIgnored_OnlyWhenSet_AndOnlyForTheDaemon()
    {
        var env = Env(("AX_FEDERATION_GATEWAY_IP", "eth1"), ("AX_FEDERATION_GATEWAY_NEIGHBORS", " "), ("AX_CLUSTER", "blue"));

        Assert.Equal(["daemon", "--cluster=blue"], DaemonEnvironment.Apply(["daemon"], env));
        Assert.Equal(["ax: note: AX_FEDERATION_GATEWAY_IP is ignored: ax has no federation yet (the cluster itself needs only AX_NEIGHBORS)"], DaemonEnvironment.IgnoredNotes(["daemon"], env));
        Assert.Empty(DaemonEnvironment.IgnoredNotes(["get", "apps"], env));
        Assert.Empty(DaemonEnvironment.IgnoredNotes(["daemon"], Env(("AX_FEDERATION_GATEWAY_IP", ""))));
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;
}
