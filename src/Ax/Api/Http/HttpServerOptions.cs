namespace Ax.Api.Http;

/// <summary>Limits of <see cref="HttpServer"/>: what one request and one client may cost the daemon.</summary>
internal sealed class HttpServerOptions
{
    /// <summary>Request line and headers together. Defaults to 16 KiB; more gets 431.</summary>
    internal int MaxHeadBytes { get; init; } = 16 * 1024;

    /// <summary>Defaults to 1 MiB; a larger Content-Length gets 413.</summary>
    internal long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Time for a client to send its whole request, and again to take the answer. Defaults to 10 s: an idle
    /// or trickling client loses its connection then, so it cannot hold a slot for long.
    /// </summary>
    internal TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections served at once, over all listeners. Defaults to 128; more wait in the kernel's accept queue.</summary>
    internal int MaxConnections { get; init; } = 128;

    internal TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
