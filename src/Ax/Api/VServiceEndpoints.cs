using System.Text.Json;
using Ax.Contracts;
using Ax.VServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ax.Api;

/// <summary>POST, GET and DELETE of /api/v1/vservices (seed 003, "Create", "Get", "Delete").</summary>
internal static class VServiceEndpoints
{
    internal static void Map(IEndpointRouteBuilder routes, VServiceManager vservices)
    {
        var api = routes.MapGroup(RestApi.Prefix + "/vservices");
        api.MapGet("/", () => TypedResults.Json(vservices.List(), AxJsonContext.Default.VServiceInfoArray));
        api.MapPost("/", async (HttpContext context) =>
        {
            VServiceInfo? spec;
            try
            {
                spec = await JsonSerializer.DeserializeAsync(context.Request.Body, AxJsonContext.Default.VServiceInfo, context.RequestAborted);
            }
            catch (JsonException ex)
            {
                return Error($"the request body is not a vservice in JSON ({ex.Message})", StatusCodes.Status400BadRequest);
            }

            return vservices.TryCreate(spec, out VServiceInfo? created, out string? problem) switch
            {
                CreateOutcome.Created => TypedResults.Json(created, AxJsonContext.Default.VServiceInfo, statusCode: StatusCodes.Status201Created),
                CreateOutcome.Conflict => Error(problem!, StatusCodes.Status409Conflict),
                _ => Error(problem!, StatusCodes.Status400BadRequest),
            };
        });
        api.MapDelete("/{name}", (string name) => vservices.TryDelete(name)
            ? Results.NoContent()
            : Error($"no vservice named '{name}'; 'ax get vservices' lists them", StatusCodes.Status404NotFound));
    }

    private static IResult Error(string message, int statusCode) =>
        TypedResults.Json(new ErrorInfo(message), AxJsonContext.Default.ErrorInfo, statusCode: statusCode);
}
