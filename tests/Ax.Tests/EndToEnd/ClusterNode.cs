using System.Net;
using System.Net.Sockets;

namespace Ax.Tests.EndToEnd;

/// <summary>One node of a <see cref="TestCluster"/>.</summary>
internal sealed class ClusterNode(TestCluster cluster, int index, string @namespace, IPAddress address)
{
    internal TestCluster Cluster { get; } = cluster;

    /// <summary>1-based, as the last octet of <see cref="Address"/>.</summary>
    internal int Index { get; } = index;

    internal string Namespace { get; } = @namespace;

    internal IPAddress Address { get; } = address;

    /// <summary>The node's port on the switch's bridge (in the switch's namespace).</summary>
    internal string Port => $"p{Index}";

    /// <summary>
    /// A TCP socket created inside this node's namespace, so the test process can reach the node's loopback
    /// (where its daemon's or gossip agent's local services listen). A socket belongs to the namespace it
    /// was created in, whichever thread uses it later; setns(2) moves only the calling thread, so a
    /// short-lived thread does it and then ends.
    /// </summary>
    internal Socket CreateSocket()
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Namespace}");
                if (global::Interop.Libc.Setns((int)handle.DangerousGetHandle(), global::Interop.Libc.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns into {Namespace} failed: {Errno()}");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception error)
            {
                failure = error;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? socket! : throw new InvalidOperationException($"cannot make a socket in {Namespace}", failure);
    }

    private static global::Errno Errno() => global::Interop.LastErrno();
}
