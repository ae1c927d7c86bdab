namespace Ax.VServices;

/// <summary>How a vservice spreads connects over its backends (seed 003: "--lbtype Random|RoundRobin").</summary>
internal enum LbType
{
    /// <summary>Each connect picks a backend uniformly at random. The default.</summary>
    Random,

    /// <summary>Connects take the backends in strict rotation, in the order they were given.</summary>
    RoundRobin,
}
