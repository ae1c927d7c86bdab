namespace Ax.Dns;

/// <summary>A source of names the built-in DNS server answers for (apps' --name, vservice names).</summary>
internal interface INameSource
{
    /// <summary>Finds the IPv4 address (host order) of <paramref name="name"/>, one label without the DNS domain, compared case-insensitively.</summary>
    bool TryResolve(string name, out uint address);
}
