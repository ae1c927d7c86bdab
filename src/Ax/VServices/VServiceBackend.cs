namespace Ax.VServices;

/// <summary>
/// One backend of a vservice: an address alone (<see cref="Port"/> 0: the ax services there, on the
/// mapped application port) or an ip:port (an ax service there, or else an external server).
/// </summary>
internal readonly record struct VServiceBackend(uint Address, ushort Port)
{
    /// <summary>The port to dial for a connect that came in on a port mapped to <paramref name="appPort"/>.</summary>
    internal ushort PortFor(ushort appPort) => Port == 0 ? appPort : Port;

    public override string ToString() =>
        Port == 0 ? Addressing.Ipv4Endpoint.FormatAddress(Address) : new Addressing.Ipv4Endpoint(Address, Port).ToString();
}
