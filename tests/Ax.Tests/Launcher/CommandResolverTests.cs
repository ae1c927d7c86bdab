using Ax.Launcher;

namespace Ax.Tests.Launcher;

/// <summary>`ax run` finds its command the way a shell does, with one stat(2) per candidate.</summary>
public sealed class CommandResolverTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ax-resolver-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NameWithoutSlash_IsFoundAlongPath_InTheFirstDirectoryThatHasItExecutable()
    {
        string first = Directory.CreateDirectory(Path.Combine(_directory, "a")).FullName;
        string second = Directory.CreateDirectory(Path.Combine(_directory, "b")).FullName;
        Write(Path.Combine(first, "tool"), UnixFileMode.UserRead);
        string executable = Write(Path.Combine(second, "tool"), UnixFileMode.UserRead | UnixFileMode.OtherExecute);

        CommandLookup lookup = CommandResolver.Resolve("tool", $"{first}:{second}");

        Assert.Equal(new CommandLookup(CommandStatus.Found, executable), lookup);
    }

    [Fact]
    public void OnlyNonExecutableCandidates_AreNotExecutable_AndNoCandidate_IsNotFound()
    {
        Write(Path.Combine(_directory, "plain"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(CommandStatus.NotExecutable, CommandResolver.Resolve("plain", _directory).Status);
        Assert.Equal(CommandStatus.NotFound, CommandResolver.Resolve("missing", _directory).Status);
    }

    [Fact]
    public void Directory_IsNotACommand_AndAPathIsTakenAsIs()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "dir")).UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserExecute;
        string script = Write(Path.Combine(_directory, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        Assert.Equal(CommandStatus.NotFound, CommandResolver.Resolve("dir", _directory).Status);
        Assert.Equal(CommandStatus.NotFound, CommandResolver.Resolve(Path.Combine(_directory, "dir"), null).Status);
        Assert.Equal(new CommandLookup(CommandStatus.Found, script), CommandResolver.Resolve(script, "/nonexistent"));
        Assert.Equal(CommandStatus.Found, CommandResolver.Resolve("sh", "/nonexistent:/bin").Status);
    }

    private static string Write(string path, UnixFileMode mode)
    {
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
