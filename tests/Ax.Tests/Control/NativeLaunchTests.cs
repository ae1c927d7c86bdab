using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ax.Control;
using Ax.Interception;

namespace Ax.Tests.Control;

/// <summary>
/// The daemon's half of the native launch: which command lines the native launcher may carry out, and the
/// plan it reads (Launcher/Native/main.c). The end-to-end tests run both halves together.
/// </summary>
public sealed class NativeLaunchTests
{
    [Theory]
    [InlineData(new[] { "run", "--", "true" }, 2)]
    [InlineData(new[] { "run", "true" }, 1)]
    [InlineData(new[] { "run", "--ip", "1.1.1.1", "--name", "web", "--labels", "role=prod", "nginx", "-g", "daemon off;" }, 7)]
    [InlineData(new[] { "run", "--new-netns=false", "--dns-override", "false", "--", "curl", "--ip", "x" }, 5)]
    [InlineData(new[] { "run", "--expose", "80:8080", "--", "python3", "-m", "http.server" }, 4)]
    public void Plan_ForAPlainRun_GoesAhead_AndPointsAtTheCommand(string[] arguments, int commandIndex)
    {
        var options = NativeLaunch.TryPlan(arguments);

        Assert.NotNull(options);
        Assert.Equal(arguments[commandIndex..], options.Command);
        Assert.Equal(commandIndex, arguments.Length - options.Command.Count);
    }

    [Theory]
    [InlineData("run", "--user", "nobody", "--", "id")]                // switching users is the full launcher's
    [InlineData("run", "--interface", "eth0", "--", "ip", "link")]     // and so is making an interface
    [InlineData("run", "--ip", "300.1.1.1", "--", "true")]             // a bad value: the full launcher says what is wrong
    [InlineData("run", "--labels", "no-equals-sign", "--", "true")]
    [InlineData("run", "--name", "bad name!", "--", "true")]
    [InlineData("run", "--expose", "http:80", "--", "true")]
    [InlineData("run", "--help")]
    [InlineData("run", "--no-such-flag", "--", "true")]
    [InlineData("run", "--")]                                          // no command
    [InlineData("run")]
    [InlineData("get", "apps")]                                        // not a run at all
    public void Plan_ForAnythingElse_FallsBackToTheFullLauncher(params string[] arguments)
    {
        Assert.Null(NativeLaunch.TryPlan(arguments));
    }

    [Fact]
    public void Arguments_SentByTheLauncher_AreReadBack_WithEmptyOnesKept()
    {
        string text = NativeLaunch.Magic + "run\0--\0sh\0-c\0\0echo é\0";

        Assert.True(NativeLaunch.IsRequest(text));
        Assert.Equal(["run", "--", "sh", "-c", "", "echo é"], NativeLaunch.ReadArguments(text));
    }

    [Fact]
    public void Request_OfTheFullLauncher_IsNotTakenForANativeOne()
    {
        Assert.False(NativeLaunch.IsRequest("{\"ip\":null}"));
        Assert.False(NativeLaunch.IsRequest("ax-launch/2\0run\0true\0"));
    }

    [Fact]
    public void Plan_CarriesTheFilterTheFullLauncherInstalls_TheCommandIndex_AndTheResolverPath()
    {
        byte[] plan = NativeLaunch.WritePlan(7, NativeLaunch.EnterNamespace | NativeLaunch.OverrideResolver, "/var/run/appswitch/resolv.conf");

        byte[] expectedFilter = MemoryMarshal.AsBytes(SeccompFilterProgram.Build().AsSpan()).ToArray();
        Assert.Equal((byte)'G', plan[0]);
        Assert.Equal(7, BinaryPrimitives.ReadUInt16LittleEndian(plan.AsSpan(1)));
        Assert.Equal(3, plan[3]);
        Assert.Equal(expectedFilter.Length / 8, BinaryPrimitives.ReadUInt16LittleEndian(plan.AsSpan(4)));
        int pathLength = BinaryPrimitives.ReadUInt16LittleEndian(plan.AsSpan(6));
        Assert.Equal(NativeLaunch.PlanHeader + expectedFilter.Length + pathLength, plan.Length);
        Assert.Equal(expectedFilter, plan.AsSpan(NativeLaunch.PlanHeader, expectedFilter.Length).ToArray());
        Assert.Equal("/var/run/appswitch/resolv.conf", Encoding.UTF8.GetString(plan, NativeLaunch.PlanHeader + expectedFilter.Length, pathLength));
    }

    [Fact]
    public void Plan_WithoutResolverOverride_HasAnEmptyPath()
    {
        byte[] plan = NativeLaunch.WritePlan(2, 0, null);

        Assert.Equal(0, plan[3]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(plan.AsSpan(6)));
        Assert.Equal(NativeLaunch.PlanHeader + (SeccompFilterProgram.Build().Length * 8), plan.Length);
    }

    [Fact]
    public void Answers_AreOneLetterThenText()
    {
        Assert.Equal("Af0000001"u8.ToArray(), NativeLaunch.WriteAccepted("f0000001"));
        Assert.Equal("Eno command was given to run"u8.ToArray(), NativeLaunch.WriteRefused("no command was given to run"));
        Assert.Equal("F"u8.ToArray(), NativeLaunch.FallBack.ToArray());
    }
}
