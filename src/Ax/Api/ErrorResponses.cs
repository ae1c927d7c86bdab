using System.Text.Json;
using Ax.Api.Http;
using Microsoft.Extensions.Logging;

namespace Ax.Api;

/// <summary>
/// Makes every failed REST request end the same way: a 4xx (or, for a daemon bug, 500) status and a
/// body of one sentence, <c>{"error": "..."}</c>. A handler that throws on a body that is not JSON gets
/// 400; any other exception is a daemon bug: logged, answered with 500, and the daemon serves on.
/// </summary>
internal static partial class ErrorResponses
{
    internal static Func<HttpRequest, HttpResponse> Guard(Func<HttpRequest, HttpResponse> handler, ILogger logger) => request =>
    {
        try
        {
            return handler(request);
        }
        catch (JsonException)
        {
            return HttpResponse.Error(400, "the request body is not valid JSON of the expected shape");
        }
        catch (Exception ex)
        {
            Log.Failed(logger, request.Method, request.Path, ex);
            return HttpResponse.Error(500, "the daemon failed to answer this request; its log says why");
        }
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "REST {Method} {Path} failed")]
        internal static partial void Failed(ILogger logger, string method, string path, Exception exception);
    }
}
