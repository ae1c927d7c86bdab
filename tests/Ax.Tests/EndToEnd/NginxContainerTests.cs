using System.Diagnostics;

namespace Ax.Tests.EndToEnd;

/// <summary>
/// The seed's own container line, word for word after the image: <c>podman run --net none -v
/// /var/run/appswitch:/var/run/appswitch -v /usr/bin/ax:/usr/bin/ax --entrypoint /usr/bin/ax IMAGE run
/// --ip 1.1.1.1 nginx -g 'daemon off;'</c>, with real nginx (IMAGE is a root filesystem made from the host's
/// nginx, its libraries and an /etc/nginx/nginx.conf, since no image can be pulled here), curled with
/// <c>ax run -- curl -I 1.1.1.1</c> from the node, as the seed does.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NginxContainerTests
{
    [Fact]
    public void SeedsNginxContainer_OnVirtualIp_AnswersCurlDashIOnTheHost()
    {
        using var node = TestNode.Create();
        using var podman = new PodmanSandbox();
        string rootfs = NginxRootfs(podman);

        var server = podman.Start(node, "--net", "none", "-v", $"{node.RunDir}:/var/run/appswitch", "-v", $"{AxBinary.Path}:/usr/bin/ax",
            "--entrypoint", "/usr/bin/ax", "--rootfs", rootfs, "run", "--ip", "1.1.1.1", "nginx", "-g", "daemon off;");
        node.WaitForServers("1.1.1.1:80");
        var head = node.Ax("run", "--", "curl", "-sS", "-I", "--max-time", "5", "1.1.1.1");
        var body = node.Ax("run", "--", "curl", "-sS", "--max-time", "5", "1.1.1.1");

        Assert.True(head.ExitCode == 0, $"{head}\n--- container ---\n{server.Output}");
        Assert.StartsWith("HTTP/1.1 200 OK", head.Stdout);
        Assert.Contains("Server: nginx", head.Stdout);
        Assert.Equal("hello from nginx in a container", body.Stdout.Trim());
    }

    /// <summary>The host's nginx and the libraries ldd lists for it (and for ax), a passwd for its workers (nobody), its configuration.</summary>
    private static string NginxRootfs(PodmanSandbox podman)
    {
        string rootfs = Path.Combine(podman.Root, "nginx-image");
        foreach (string directory in (string[])["usr/sbin", "etc/nginx", "var/log/nginx", "var/lib/nginx", "run", "tmp", "proc", "sys", "dev", "usr/bin", "var/run/appswitch"])
        {
            Directory.CreateDirectory(Path.Combine(rootfs, directory));
        }

        string nginx = Shell.Run(new ProcessStartInfo("sh", ["-c", "command -v nginx"]), null, TimeSpan.FromSeconds(5)).Stdout.Trim();
        File.Copy(nginx, Path.Combine(rootfs, "usr/sbin/nginx"));
        foreach (string binary in (string[])[nginx, AxBinary.Path])
        {
            var ldd = Shell.Run(new ProcessStartInfo("ldd", [binary]), null, TimeSpan.FromSeconds(10));
            foreach (string line in ldd.Stdout.Split('\n'))
            {
                string library = (line.Contains("=>", StringComparison.Ordinal) ? line.Split("=>")[1] : line).Trim().Split(' ')[0];
                if (library.StartsWith('/'))
                {
                    string target = Path.Combine(rootfs, library.TrimStart('/'));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(library, target, overwrite: true);
                }
            }
        }

        File.WriteAllText(Path.Combine(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/nginx/nginx.conf"), """
            user nobody nogroup;
            worker_processes 1;
            error_log stderr;
            events { worker_connections 64; }
            http {
              access_log off;
              server {
                listen 80;
                location / { default_type text/plain; return 200 "hello from nginx in a container\n"; }
              }
            }
            """);
        return rootfs;
    }
}
