using MessagePack;

namespace Ax.Cluster.Serf;

/// <summary>Decodes one answer body (a delegate: <see cref="MessagePackReader"/> is a ref struct).</summary>
internal delegate T SerfBodyParser<T>(ref MessagePackReader reader);
