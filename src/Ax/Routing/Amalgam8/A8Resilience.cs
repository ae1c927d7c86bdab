namespace Ax.Routing.Amalgam8;

/// <summary>Connection limits and outlier ejection of a backend (Amalgam8's resilience block).</summary>
internal sealed record A8Resilience(
    int? MaxConnections = null,
    int? MaxPendingRequests = null,
    int? MaxRequests = null,
    double? SleepWindow = null,
    int? ConsecutiveErrors = null,
    double? DetectionInterval = null,
    int? MaxRequestsPerConnection = null);
