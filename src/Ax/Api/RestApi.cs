using System.Text.Json;
using Ax.Contracts;
using Ax.Interception;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ax.Api;

/// <summary>
/// The REST API (seed 003: "most of the CLI commands are simply a front end to the REST API"). Served on
/// run-dir/api.sock for the CLI, and on --rest-port on the node's loopback.
/// </summary>
internal static class RestApi
{
    internal const string Prefix = "/api/v1";

    internal static void Map(IEndpointRouteBuilder routes, ResourceViews views, NodeInfo node)
    {
        var api = routes.MapGroup(Prefix);
        api.MapGet("/node", () => TypedResults.Json(node, AxJsonContext.Default.NodeInfo));
        api.MapGet("/apps", () => TypedResults.Json(views.Apps(), AxJsonContext.Default.AppInfoArray));
        api.MapGet("/servers", () => TypedResults.Json(views.Servers(), AxJsonContext.Default.ServerInfoArray));
        api.MapGet("/sockets", () => TypedResults.Json(views.Sockets(), AxJsonContext.Default.SocketInfoArray));
        api.MapGet("/timings", () => TypedResults.Json(
            CallTimings.Snapshot()
                .Select(static t => new CallTimingInfo(
                    JsonNamingPolicy.CamelCase.ConvertName(t.Call.ToString()),
                    JsonNamingPolicy.CamelCase.ConvertName(t.Step.ToString()),
                    t.Count,
                    Math.Round(t.MeanMicroseconds, 2)))
                .ToArray(),
            AxJsonContext.Default.CallTimingInfoArray));
        api.MapGet("/proxies", () => TypedResults.Json(views.Proxies(), AxJsonContext.Default.ProxyInfoArray));
        routes.MapFallback((HttpContext context) =>
        {
            var allowed = AllowedMethods.For(routes, context.Request.Path);
            if (allowed.Count > 0)
            {
                context.Response.Headers.Allow = string.Join(", ", allowed);
                return ErrorResponses.Write(context, StatusCodes.Status405MethodNotAllowed,
                    $"{context.Request.Method} is not allowed on {context.Request.Path}; use {string.Join(" or ", allowed)}");
            }

            return ErrorResponses.Write(context, StatusCodes.Status404NotFound,
                $"no such resource: {context.Request.Method} {context.Request.Path}; see 'ax get --help' for what exists");
        });
    }
}
