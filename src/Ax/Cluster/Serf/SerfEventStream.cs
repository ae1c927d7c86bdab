using System.Threading.Channels;

namespace Ax.Cluster.Serf;

/// <summary>
/// A subscription to the agent's events (<see cref="SerfRpcClient.StreamAsync"/>). <see cref="Events"/>
/// completes when the subscription is stopped (normally) or the connection ends (with the error).
/// Disposing stops it on the agent.
/// </summary>
internal sealed class SerfEventStream : IAsyncDisposable
{
    private readonly SerfRpcClient _client;
    private readonly SerfStreamHandler _handler;
    private int _stopped;

    internal SerfEventStream(SerfRpcClient client, ulong seq, SerfStreamHandler handler)
    {
        _client = client;
        Seq = seq;
        _handler = handler;
    }

    /// <summary>The sequence number the agent tags this stream's records with.</summary>
    internal ulong Seq { get; }

    internal ChannelReader<SerfEvent> Events => _handler.Events;

    /// <summary>Stops the subscription on the agent (<c>stop</c>); a closed connection needs no stop.</summary>
    internal async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _handler.Stopped();
        if (!_client.IsClosed)
        {
            await _client.StopAsync(Seq, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (SerfRpcException)
        {
            // The connection ended meanwhile: the agent dropped the stream with it.
        }
    }
}
