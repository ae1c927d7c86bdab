namespace Ax.Dns;

/// <summary>What the server does with one message.</summary>
internal enum DnsDecision
{
    /// <summary>Not a query the server can answer at all (too short, or a response): nothing is sent back.</summary>
    Drop,

    /// <summary>The server answers itself; the reply is written.</summary>
    Reply,

    /// <summary>A name outside the ax domain: the message goes to the forwarders as it came.</summary>
    Forward,
}
