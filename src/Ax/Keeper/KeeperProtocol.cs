namespace Ax.Keeper;

/// <summary>
/// The messages between a daemon and its keeper on run-dir/keeper.sock (SOCK_SEQPACKET, one message per
/// packet, a descriptor riding along with SCM_RIGHTS where noted). Daemon to keeper: "grace SECONDS",
/// "hold ID" + listener, "drop ID", "list", "clear", "guard" + the first of the guard's BPF links (which
/// replaces those held before), "guard more" + each further link. Keeper to daemon, after "list": "app ID" + listener for each app it
/// holds, then "end".
/// </summary>
internal static class KeeperProtocol
{
    internal const string SocketName = "keeper.sock";
    internal const string LockName = "keeper.lock";
    internal const string PidName = "keeper.pid";
    internal const string LogName = "keeper.log";

    internal const string Grace = "grace";
    internal const string Hold = "hold";
    internal const string Drop = "drop";
    internal const string List = "list";
    internal const string Clear = "clear";
    internal const string Guard = "guard";
    internal const string GuardMore = "more";
    internal const string App = "app";
    internal const string End = "end";

    /// <summary>No message of this protocol is longer; anything longer is garbage and closes the connection.</summary>
    internal const int MaxMessage = 128;

    internal static string SocketPath(string runDir) => Path.Combine(runDir, SocketName);

    /// <summary>Splits "VERB ARG"; false for anything that is not one short verb and at most one short, plain argument.</summary>
    internal static bool TryParse(string message, out string verb, out string argument)
    {
        verb = string.Empty;
        argument = string.Empty;
        if (message.Length is 0 or > MaxMessage)
        {
            return false;
        }

        int space = message.IndexOf(' ', StringComparison.Ordinal);
        verb = space < 0 ? message : message[..space];
        argument = space < 0 ? string.Empty : message[(space + 1)..];
        return argument.Length == 0 || IsValidAppId(argument);
    }

    /// <summary>App ids are short and plain (the daemon makes them "f" and seven hex digits): they name files.</summary>
    internal static bool IsValidAppId(string id) =>
        id.Length is > 0 and <= 64 && id.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
