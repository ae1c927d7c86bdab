namespace Ax.ServiceTable;

internal enum TransportProtocol
{
    Tcp,
    Udp,
}
