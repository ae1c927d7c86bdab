namespace Ax.Cluster.Sync;

/// <summary>Frames and bytes a publisher wrote to its subscribers, by kind: what the sync costs on the wire.</summary>
internal sealed class SyncCounters
{
    private readonly long[] _frames = new long[6];
    private readonly long[] _bytes = new long[6];

    internal long Frames(SyncFrameKind kind) => Interlocked.Read(ref _frames[(int)kind]);

    internal long Bytes(SyncFrameKind kind) => Interlocked.Read(ref _bytes[(int)kind]);

    internal void Add(byte[] frame)
    {
        int kind = frame[SyncFrameCodec.HeaderLength];
        if (kind < _frames.Length)
        {
            Interlocked.Increment(ref _frames[kind]);
            Interlocked.Add(ref _bytes[kind], frame.Length);
        }
    }
}
