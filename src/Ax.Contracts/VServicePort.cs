namespace Ax.Contracts;

/// <summary>One port pair of a vservice: clients dial <see cref="VirtualPort"/>, backends serve on <see cref="AppPort"/>.</summary>
public sealed record VServicePort(int VirtualPort, int AppPort);
