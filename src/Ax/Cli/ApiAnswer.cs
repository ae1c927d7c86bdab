using System.Globalization;
using System.Text;

namespace Ax.Cli;

/// <summary>A response from the daemon, as <see cref="ApiClient"/> reads it: status line, Content-Length, body.</summary>
internal sealed class ApiAnswer(int status, string reason, int headLength, long? contentLength)
{
    internal int Status { get; } = status;

    internal string Reason { get; } = reason;

    internal int HeadLength { get; } = headLength;

    internal long? ContentLength { get; } = contentLength;

    internal byte[] Body { get; set; } = [];

    /// <summary>The head, once it has arrived whole; null before. A head that is not HTTP is a <see cref="CliException"/>.</summary>
    internal static ApiAnswer? TryParseHead(ReadOnlySpan<byte> received)
    {
        int end = received.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return null;
        }

        string[] lines = Encoding.ASCII.GetString(received[..end]).Split("\r\n");
        string[] status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out int code))
        {
            throw new CliException("what answers on the API socket does not speak HTTP; is it an ax daemon?");
        }

        long? contentLength = null;
        foreach (string line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long length))
            {
                contentLength = length;
            }
        }

        return new ApiAnswer(code, status.Length > 2 ? status[2] : string.Empty, end + 4, contentLength);
    }
}
