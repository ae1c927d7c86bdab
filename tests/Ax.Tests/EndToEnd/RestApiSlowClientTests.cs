using System.Net.Sockets;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// Clients that connect to the REST API and then send nothing, or a byte now and then, must not keep the
/// CLI from being answered, and must lose their connections at the request deadline (10 s).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RestApiSlowClientTests
{
    private const int Idle = 60;
    private const int Trickling = 40;

    [Fact]
    public async Task ManyIdleAndTricklingClients_DoNotStopGetApps_AndAreDroppedAtTheDeadline()
    {
        using var node = TestNode.Create();
        string socketPath = Path.Combine(node.RunDir, "api.sock");
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (int i = 0; i < Idle + Trickling; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
                held.Add(socket);
            }

            var trickles = held.Skip(Idle).Select(socket => Task.Run(async () =>
            {
                try
                {
                    socket.Send("GET /api/v1/apps HTTP/1.1\r\n"u8);
                    while (!stop.IsCancellationRequested)
                    {
                        socket.Send("X"u8);
                        await Task.Delay(300);
                    }
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            })).ToArray();

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var apps = node.Ax("get", "apps");
            Assert.True(apps.ExitCode == 0, apps.ToString());
            Assert.Contains("NAME", apps.Stdout);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"ax get apps took {watch.Elapsed.TotalSeconds:F1} s with {held.Count} slow clients connected");

            // Every held connection is closed by the daemon (EOF, after a 408 for those that sent something).
            var closing = held.Select(socket => Task.Run(() =>
            {
                socket.ReceiveTimeout = 30000;
                var buffer = new byte[4096];
                try
                {
                    while (socket.Receive(buffer) > 0)
                    {
                    }

                    return true;
                }
                catch (SocketException ex)
                {
                    return ex.SocketErrorCode != SocketError.TimedOut;
                }
            })).ToArray();
            bool[] closed = await Task.WhenAll(closing);
            Assert.All(closed, Assert.True);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"slow clients were dropped only after {watch.Elapsed.TotalSeconds:F1} s");
            await stop.CancelAsync();
            await Task.WhenAll(trickles);
            Assert.Equal(0, node.Ax("get", "apps").ExitCode);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (Socket socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
