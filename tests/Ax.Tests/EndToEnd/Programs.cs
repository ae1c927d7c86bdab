using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Real programs in other languages the tests run under ax, shipped as source next to the tests
/// (EndToEnd/programs). The Go one is built with Debian's golang-go once per test run.
/// </summary>
internal static class Programs
{
    private static readonly Lazy<string> s_goHttp = new(() => BuildGo("go_http"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> s_muslResolve = new(() => BuildMusl("musl_resolve"), LazyThreadSafetyMode.ExecutionAndPublication);

    internal static string Path(string name) =>
        System.IO.Path.Combine(AppContext.BaseDirectory, "EndToEnd", "programs", name);

    /// <summary>The static go_http binary (see go_http.go), built on first use.</summary>
    internal static string GoHttp => s_goHttp.Value;

    /// <summary>The static musl_resolve binary (see musl_resolve.c), built on first use.</summary>
    internal static string MuslResolve => s_muslResolve.Value;

    /// <summary>Builds a one-file C program statically against musl (Debian's musl-tools, which make build needs too).</summary>
    private static string BuildMusl(string name)
    {
        string binary = Path(name);
        var result = Shell.Run(new ProcessStartInfo("musl-gcc", ["-static", "-O2", "-Wall", "-Werror", "-o", binary, Path($"{name}.c")]), null, TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"musl-gcc {name}.c failed (scripts/install-deps.sh installs musl-tools): {result}");
        }

        return binary;
    }

    /// <summary>
    /// Builds a one-file, standard-library-only Go program into a static binary next to its source.
    /// The build cache lives in a temporary directory removed afterwards, so a run never depends on an
    /// earlier one; with Debian's Go 1.19, whose standard library ships compiled, a cold build takes
    /// about 5 s here. GOTOOLCHAIN=local and GOPROXY=off keep the go command off the network.
    /// </summary>
    private static string BuildGo(string name)
    {
        string source = Path($"{name}.go");
        string binary = Path(name);
        string scratch = Directory.CreateTempSubdirectory("ax-go-").FullName;
        try
        {
            var build = new ProcessStartInfo("go", ["build", "-o", binary, source]);
            build.Environment["CGO_ENABLED"] = "0";
            build.Environment["GO111MODULE"] = "off";
            build.Environment["GOTOOLCHAIN"] = "local";
            build.Environment["GOPROXY"] = "off";
            build.Environment["GOFLAGS"] = string.Empty;
            build.Environment["GOCACHE"] = System.IO.Path.Combine(scratch, "cache");
            build.Environment["GOPATH"] = System.IO.Path.Combine(scratch, "gopath");
            build.Environment["HOME"] = scratch;
            CommandResult result;
            try
            {
                result = Shell.Run(build, null, TimeSpan.FromMinutes(3));
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("the go command is not installed (scripts/install-deps.sh installs golang-go)", ex);
            }

            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"go build {source} failed (scripts/install-deps.sh installs golang-go): {result}");
            }

            return binary;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
