using System.Text.Json;
using Ax.Api.Http;
using Ax.Contracts;
using Ax.Interception;

namespace Ax.Api;

/// <summary>
/// The REST API (seed 003: "most of the CLI commands are simply a front end to the REST API"). Served on
/// run-dir/api.sock for the CLI, and on --rest-port on the node's loopback.
/// </summary>
internal static class RestApi
{
    internal const string Prefix = "/api/v1";

    internal static void Map(HttpRouter routes, ResourceViews views, NodeInfo node)
    {
        routes.MapGet(Prefix + "/node", () => HttpResponse.Of(node, AxJsonContext.Default.NodeInfo));
        routes.MapGet(Prefix + "/apps", () => HttpResponse.Of(views.Apps(), AxJsonContext.Default.AppInfoArray));
        routes.MapGet(Prefix + "/cluster/apps", () => HttpResponse.Of(views.Apps(allNodes: true), AxJsonContext.Default.AppInfoArray));
        routes.MapGet(Prefix + "/servers", () => HttpResponse.Of(views.Servers(), AxJsonContext.Default.ServerInfoArray));
        routes.MapGet(Prefix + "/sockets", () => HttpResponse.Of(views.Sockets(), AxJsonContext.Default.SocketInfoArray));
        routes.MapGet(Prefix + "/timings", () => HttpResponse.Of(
            CallTimings.Snapshot()
                .Select(static t => new CallTimingInfo(
                    JsonNamingPolicy.CamelCase.ConvertName(t.Call.ToString()),
                    JsonNamingPolicy.CamelCase.ConvertName(t.Step.ToString()),
                    t.Count,
                    Math.Round(t.MeanMicroseconds, 2)))
                .ToArray(),
            AxJsonContext.Default.CallTimingInfoArray));
        routes.MapGet(Prefix + "/proxies", () => HttpResponse.Of(views.Proxies(), AxJsonContext.Default.ProxyInfoArray));
    }

    /// <summary>What a request no route serves gets: 405 naming the methods to use if the path exists, else 404.</summary>
    internal static HttpResponse NoRoute(HttpRequest request, IReadOnlyList<string> allowed) =>
        allowed.Count > 0
            ? HttpResponse.Error(405, $"{request.Method} is not allowed on {request.Path}; use {string.Join(" or ", allowed)}", string.Join(", ", allowed))
            : HttpResponse.Error(404, $"no such resource: {request.Method} {request.Path}; see 'ax get --help' for what exists");
}
