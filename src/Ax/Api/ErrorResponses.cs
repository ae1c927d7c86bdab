using System.Text.Json;
using Ax.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ax.Api;

/// <summary>
/// Makes every failed REST request end the same way: a 4xx (or, for a daemon bug, 500) status and a
/// body of one sentence, <c>{"error": "..."}</c>. Handlers may throw on bad input (a body that is not
/// JSON, a body over the size limit); those become 400/413 here, and a status the framework set
/// without a body (415, 400 from parameter binding) gets its sentence too.
/// </summary>
internal static partial class ErrorResponses
{
    internal static void UseErrorResponses(this IApplicationBuilder app, ILogger logger) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Write(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "the request body is larger than the 1 MiB the API accepts"
                    : "the request is malformed; send a well-formed HTTP request with a JSON body where one is needed");
                return;
            }
            catch (JsonException) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Write(context, StatusCodes.Status400BadRequest, "the request body is not valid JSON of the expected shape");
                return;
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && ex is not OperationCanceledException)
            {
                Log.Failed(logger, context.Request.Method, context.Request.Path, ex);
                context.Response.Clear();
                await Write(context, StatusCodes.Status500InternalServerError, "the daemon failed to answer this request; its log says why");
                return;
            }

            var response = context.Response;
            if (response.StatusCode >= 400 && !response.HasStarted && response.ContentType is null && response.ContentLength is null)
            {
                await Write(context, response.StatusCode, Describe(response.StatusCode));
            }
        });

    internal static Task Write(HttpContext context, int status, string sentence)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorInfo(sentence), AxJsonContext.Default.ErrorInfo);
    }

    private static string Describe(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "the request is malformed; check its parameters and body",
        StatusCodes.Status404NotFound => "no such resource; see 'ax get --help' for what exists",
        StatusCodes.Status405MethodNotAllowed => "this method is not allowed on this resource",
        StatusCodes.Status411LengthRequired => "the request needs a Content-Length",
        StatusCodes.Status413PayloadTooLarge => "the request body is larger than the 1 MiB the API accepts",
        StatusCodes.Status415UnsupportedMediaType => "the request body must be JSON, sent with Content-Type: application/json",
        _ => $"the request failed with status {status}",
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "REST {Method} {Path} failed")]
        internal static partial void Failed(ILogger logger, string method, string path, Exception exception);
    }
}
