namespace Ax.VServices;

/// <summary>Clients dial <see cref="VirtualPort"/> on the vIP; backends serve on <see cref="AppPort"/>.</summary>
internal readonly record struct VServicePortMap(ushort VirtualPort, ushort AppPort);
