using System.Net;
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
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync($"/api/v1/{resource}", cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressNotAvailable or SocketError.ConnectionRefused } || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new CliException(RunDirectory.NotRunning(_runDir));
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                string message = TryReadError(body) ?? $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}";
                throw new CliException(message);
            }

            return JsonSerializer.Deserialize(body, typeInfo) ?? throw new CliException("the daemon sent an empty answer");
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
