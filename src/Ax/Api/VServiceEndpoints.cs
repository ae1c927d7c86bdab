using System.Text.Json;
using Ax.Api.Http;
using Ax.Contracts;
using Ax.VServices;

namespace Ax.Api;

/// <summary>POST, GET and DELETE of /api/v1/vservices (seed 003, "Create", "Get", "Delete").</summary>
internal static class VServiceEndpoints
{
    internal static void Map(HttpRouter routes, VServiceManager vservices)
    {
        const string Path = RestApi.Prefix + "/vservices";
        routes.MapGet(Path, () => HttpResponse.Of(vservices.List(), AxJsonContext.Default.VServiceInfoArray));
        routes.Map("POST", Path, (request, _) =>
        {
            VServiceInfo? spec;
            try
            {
                spec = JsonSerializer.Deserialize(request.Body.Span, AxJsonContext.Default.VServiceInfo);
            }
            catch (JsonException ex)
            {
                return HttpResponse.Error(400, $"the request body is not a vservice in JSON ({OneLine(ex.Message)})");
            }

            return vservices.TryCreate(spec, out VServiceInfo? created, out string? problem) switch
            {
                CreateOutcome.Created => HttpResponse.Of(created!, AxJsonContext.Default.VServiceInfo, 201),
                CreateOutcome.Conflict => HttpResponse.Error(409, problem!),
                _ => HttpResponse.Error(400, problem!),
            };
        });
        routes.Map("DELETE", Path + "/{name}", (_, values) => vservices.TryDelete(values[0], out string? problem)
            ? HttpResponse.NoContent()
            : problem is not null
                ? HttpResponse.Error(409, problem)
                : HttpResponse.Error(404, $"no vservice named '{values[0]}'; 'ax get vservices' lists them"));
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
