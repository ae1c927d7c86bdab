namespace Ax.Routing;

/// <summary>
/// Outlier ejection of a backend's servers (Amalgam8's <c>consecutive_errors</c> and <c>sleep_window</c>): a server
/// whose connects failed <see cref="ConsecutiveErrors"/> times in a row is left out for <see cref="SleepWindow"/>.
/// </summary>
internal sealed record Ejection(int ConsecutiveErrors, TimeSpan SleepWindow)
{
    /// <summary>Amalgam8's defaults where the rule sets only one of the two.</summary>
    internal const int DefaultConsecutiveErrors = 5;

    internal static readonly TimeSpan DefaultSleepWindow = TimeSpan.FromSeconds(30);
}
