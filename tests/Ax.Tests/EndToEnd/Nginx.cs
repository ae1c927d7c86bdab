namespace Ax.Tests.EndToEnd;

/// <summary>Writes an nginx configuration that keeps every file inside the test node's directory.</summary>
internal static class Nginx
{
    /// <param name="alsoIpv6">Listens on [::]:port as well, as Debian's default site does (IPv6-only: nginx's ipv6only=on default).</param>
    internal static string WriteConfig(TestNode node, int port, string body, bool alsoIpv6 = false)
    {
        string ipv6Listen = alsoIpv6 ? $"listen [::]:{port};" : string.Empty;
        string directory = Path.Combine(node.WorkDir, $"nginx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(config, $$"""
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              server {
                listen {{port}}; {{ipv6Listen}}
                location / { return 200 "{{body}}\n"; }
              }
            }
            """);
        return config;
    }
}
