namespace Ax.Routing.Amalgam8;

/// <summary>Where a route rule sends connections, and the per-request settings a connect-time router cannot see.</summary>
internal sealed record A8Route(A8Backend[] Backends, double? HttpReqTimeout = null, int? HttpReqRetries = null, A8Uri? Uri = null);
