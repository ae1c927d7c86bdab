namespace Ax.VServices;

/// <summary>The result of creating a vservice; all but <see cref="Created"/> come with one sentence.</summary>
internal enum CreateOutcome
{
    Created,

    /// <summary>The request itself is wrong (a bad address, port, name or lbtype).</summary>
    Invalid,

    /// <summary>The request is fine but collides with what exists (a name, a vIP:vport, a node port).</summary>
    Conflict,
}
