namespace Ax.Launcher;

internal enum CommandStatus
{
    Found,
    NotFound,
    NotExecutable,
}

/// <summary>The outcome of looking a command up: where it is, or why it cannot be run.</summary>
internal readonly record struct CommandLookup(CommandStatus Status, string Path);
