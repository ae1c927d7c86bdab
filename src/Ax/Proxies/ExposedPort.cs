namespace Ax.Proxies;

/// <summary>
/// An app's port exposed at <see cref="NodePort"/> of this node while the app runs on another node
/// (<c>--expose internal:0.0.0.0:node-port</c>, or <c>internal:THIS-NODE-IP:node-port</c>): the servers
/// are the app's TCP services on <see cref="InternalPort"/>, on <see cref="Node"/>.
/// </summary>
internal readonly record struct ExposedPort(ushort NodePort, string Node, string AppId, ushort InternalPort);
