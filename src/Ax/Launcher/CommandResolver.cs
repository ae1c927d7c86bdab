namespace Ax.Launcher;

/// <summary>Finds the program to run the way a shell does: a name with a slash as is, otherwise along PATH.</summary>
internal static class CommandResolver
{
    internal static CommandLookup Resolve(string command, string? pathVariable)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return Check(command);
        }

        bool sawNonExecutable = false;
        foreach (string directory in (pathVariable ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory.Length == 0 ? "." : directory, command);
            CommandLookup lookup = Check(candidate);
            if (lookup.Status == CommandStatus.Found)
            {
                return lookup;
            }

            sawNonExecutable |= lookup.Status == CommandStatus.NotExecutable;
        }

        return new CommandLookup(sawNonExecutable ? CommandStatus.NotExecutable : CommandStatus.NotFound, command);
    }

    /// <summary>One stat(2) per candidate. A directory is not a command, as File.Exists had it.</summary>
    private static CommandLookup Check(string path)
    {
        if (!FileStat.TryGetMode(path, out uint mode) || (mode & Interop.Libc.S_IFMT) == Interop.Libc.S_IFDIR)
        {
            return new CommandLookup(CommandStatus.NotFound, path);
        }

        const uint AnyExecute = 0x49; // S_IXUSR | S_IXGRP | S_IXOTH
        return (mode & AnyExecute) != 0
            ? new CommandLookup(CommandStatus.Found, path)
            : new CommandLookup(CommandStatus.NotExecutable, path);
    }
}
