using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ax.Contracts;

namespace Ax.Cli;

/// <summary>The CLI's client of the daemon's REST API, over run-dir/api.sock (works from any network namespace).</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _runDir;

    internal ApiClient(string runDir)
    {
        _runDir = runDir;
        string socketPath = RunDirectory.ApiSocket(runDir);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://ax"), Timeout = TimeSpan.FromSeconds(30) };
    }

    internal async Task<T> GetAsync<T>(string resource, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        string body = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/v1/{resource}"), cancellationToken);
        return JsonSerializer.Deserialize(body, typeInfo) ?? throw new CliException("the daemon sent an empty answer");
    }

    /// <summary>POSTs <paramref name="value"/> as JSON to /api/v1/<paramref name="resource"/> and reads the answer.</summary>
    internal async Task<TReply> PostAsync<TRequest, TReply>(string resource, TRequest value, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TReply> replyType, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/{resource}")
        {
            Content = new StringContent(JsonSerializer.Serialize(value, requestType), System.Text.Encoding.UTF8, "application/json"),
        };
        string body = await SendAsync(request, cancellationToken);
        return JsonSerializer.Deserialize(body, replyType) ?? throw new CliException("the daemon sent an empty answer");
    }

    internal async Task DeleteAsync(string resource, CancellationToken cancellationToken) =>
        await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/{resource}"), cancellationToken);

    /// <summary>Sends one request; any answer but 2xx becomes a <see cref="CliException"/> with the daemon's sentence.</summary>
    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using (request)
        {
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressNotAvailable or SocketError.ConnectionRefused } || ex.HttpRequestError == HttpRequestError.ConnectionError)
            {
                throw new CliException(RunDirectory.NotRunning(_runDir));
            }
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                string message = TryReadError(body) ?? $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}";
                throw new CliException(message);
            }

            return body;
        }
    }

    private static string? TryReadError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, AxJsonContext.Default.ErrorInfo)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
