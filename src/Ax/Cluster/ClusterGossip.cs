using System.Globalization;
using Ax.Cluster.Serf;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster;

/// <summary>
/// This node's part in the cluster's gossip, owned by the daemon: the supervised serf agent
/// (<see cref="SerfAgent"/>) and the membership followed from it (<see cref="ClusterMembership"/>). Started
/// only when the daemon was given neighbors or auto-discovery; a single-node daemon has none. Disposing it
/// leaves the cluster gracefully (the others drop this node at once instead of after failure detection)
/// and stops the agent.
/// </summary>
internal sealed partial class ClusterGossip : IAsyncDisposable
{
    private readonly SerfAgent _agent;
    private readonly ILogger _logger;

    /// <summary>
    /// Every other node seen alive, by name, until it leaves: what a restarted agent rejoins. Kept apart
    /// from the snapshot, which the membership may already have replaced with the new agent's (itself
    /// alone, the others "reaped") by the time the restart is reported.
    /// </summary>
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);

    private ClusterGossip(SerfAgent agent, ClusterMembership membership, ILogger logger)
    {
        _agent = agent;
        Membership = membership;
        _logger = logger;
        _agent.Restarted += OnAgentRestarted;
        Membership.Changed += Remember;
    }

    /// <summary>The alive members of this cluster (<see cref="ClusterMembership.Current"/>, <see cref="ClusterMembership.Changed"/>).</summary>
    internal ClusterMembership Membership { get; }

    /// <summary>How the agent runs: node name, gossip address and port, cluster, sync port.</summary>
    internal SerfAgentOptions Options => _agent.Options;

    /// <summary>The agent's pid while it runs.</summary>
    internal int? AgentPid => _agent.Pid;

    /// <summary>
    /// Starts the agent and returns once it answers; the membership follows it from then on. Throws
    /// <see cref="SerfAgentException"/> with one sentence when the agent cannot start at all (serf missing,
    /// the gossip port taken). Neighbors that are down are no reason: the agent retries them.
    /// </summary>
    internal static async Task<ClusterGossip> StartAsync(SerfAgentOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        var agent = new SerfAgent(options, logger);
        try
        {
            await agent.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Subscribed before it starts, so that no change escapes Remember.
        var gossip = new ClusterGossip(agent, new ClusterMembership(agent, logger), logger);
        gossip.Membership.Start();
        Log.Joining(
            logger,
            options.ClusterName,
            string.Create(CultureInfo.InvariantCulture, $"{options.BindAddress}:{options.GossipPort}"),
            options.Neighbors.Count == 0 ? "none" : string.Join(", ", options.Neighbors),
            options.Discover ? "on" : "off");
        return gossip;
    }

    public async ValueTask DisposeAsync()
    {
        _agent.Restarted -= OnAgentRestarted;
        Membership.Changed -= Remember;

        // The membership first: it would otherwise log the agent's departure as a fault.
        await Membership.DisposeAsync().ConfigureAwait(false);
        await _agent.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A restarted agent remembers no one. Neighbors given on the command line are retried by the agent
    /// itself; the nodes this one knew before (some may have joined it, not it them) are joined here, so
    /// that a node without neighbors is back as soon as its agent is.
    /// </summary>
    private void OnAgentRestarted()
    {
        string[] known;
        lock (_known)
        {
            known = [.. _known.Values];
        }

        if (known.Length == 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await using var client = await _agent.ConnectAsync().ConfigureAwait(false);
                int joined = await client.JoinAsync(known).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                Log.Rejoined(_logger, joined, known.Length);
            }
            catch (Exception error) when (error is SerfRpcException or TimeoutException or IOException)
            {
                Log.RejoinFailed(_logger, error.Message);
            }
        });
    }

    private void Remember(MembershipChange change)
    {
        lock (_known)
        {
            foreach (var member in change.Joined.Concat(change.Updated).Where(m => m.Name != Options.NodeName))
            {
                _known[member.Name] = string.Create(CultureInfo.InvariantCulture, $"{member.Address}:{member.GossipPort}");
            }

            // A node that left on purpose, or now belongs to another cluster, is not rejoined; one that
            // failed, or that only this node's restarted agent no longer lists ("reaped"), is.
            foreach (var (member, reason) in change.Departed)
            {
                if (reason is "left" or "leaving" or "cluster")
                {
                    _known.Remove(member.Name);
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 930, Level = LogLevel.Information, Message = "cluster {Cluster}: gossiping on {Bind}; neighbors {Neighbors}; auto-discovery {Discover}")]
        internal static partial void Joining(ILogger logger, string cluster, string bind, string neighbors, string discover);

        [LoggerMessage(EventId = 931, Level = LogLevel.Information, Message = "cluster: the restarted gossip agent rejoined {Joined} of the {Known} nodes it knew")]
        internal static partial void Rejoined(ILogger logger, int joined, int known);

        [LoggerMessage(EventId = 932, Level = LogLevel.Warning, Message = "cluster: the restarted gossip agent could not rejoin the nodes it knew ({Reason}); it waits for its neighbors or for them")]
        internal static partial void RejoinFailed(ILogger logger, string reason);
    }
}
