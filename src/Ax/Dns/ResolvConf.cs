using System.Text;
using Ax.Addressing;

namespace Ax.Dns;

/// <summary>
/// The resolv.conf apps get with --dns-override (run-dir/resolv.conf): the ax server as the only
/// nameserver, the ax domain first in the search list, then the host's own search domains.
/// </summary>
internal static class ResolvConf
{
    internal const string HostPath = "/etc/resolv.conf";
    internal const string FileName = "resolv.conf";

    internal static string ReadHost()
    {
        try
        {
            return File.ReadAllText(HostPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// The file's text. ndots:1 makes glibc try "web" as web.appswitch.local first and a dotted name such as
    /// example.com as is first (resolv.conf(5)); a failed search-list try costs one local NXDOMAIN.
    /// </summary>
    internal static string Render(DnsOptions options, string hostResolvConf)
    {
        var search = new List<string> { options.Domain };
        foreach (string line in hostResolvConf.Split('\n'))
        {
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] is "search" or "domain")
            {
                search.AddRange(words[1..].Where(w => !search.Contains(w, StringComparer.OrdinalIgnoreCase)));
            }
        }

        var text = new StringBuilder();
        text.Append("# Written by ax daemon for apps run with --dns-override: ax names resolve here, other names are forwarded.\n");
        text.Append("nameserver ").Append(Ipv4Endpoint.FormatAddress(options.Listen.Address)).Append('\n');
        text.Append("search ").Append(string.Join(' ', search)).Append('\n');
        text.Append("options ndots:1\n");
        return text.ToString();
    }

    /// <summary>Writes the file under the run directory, readable by every app; returns its path.</summary>
    internal static string Write(string runDir, DnsOptions options)
    {
        string path = Path.Combine(runDir, FileName);
        File.WriteAllText(path, Render(options, ReadHost()));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }
}
