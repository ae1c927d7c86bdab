namespace Ax.Contracts;

/// <summary>What a daemon says about itself (GET /api/v1/node).</summary>
public sealed record NodeInfo(string NodeId, string Cluster, string NodeIp, string Driver, int RestPort, string Ports, int Pid);
