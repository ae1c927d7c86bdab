using System.ComponentModel;
using System.Diagnostics;
using Ax.Cluster.Serf;
using Microsoft.Extensions.Logging;

namespace Ax.Cluster;

/// <summary>
/// Runs and supervises a daemon's gossip agent, a <c>serf agent</c> child process: starts it and waits until
/// its RPC answers, forwards its log to the daemon's, restarts it with a growing delay when it dies, and
/// stops it (leave, then kill by pid) when the daemon stops. Membership and failure detection are Serf's;
/// this type only keeps the process alive.
/// </summary>
internal sealed partial class SerfAgent : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>An agent that ran this long before dying is restarted after the shortest delay again.</summary>
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);

    private readonly SerfAgentOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Process? _process;
    private SerfAgentOutput? _output;
    private Task? _supervisor;
    private int _restarts;

    internal SerfAgent(SerfAgentOptions options, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    internal SerfAgentOptions Options => _options;

    /// <summary>The running agent's pid, or null while it is down.</summary>
    internal int? Pid
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } process ? process.Id : null;
            }
        }
    }

    /// <summary>How many times the agent was restarted after dying.</summary>
    internal int Restarts => Volatile.Read(ref _restarts);

    /// <summary>
    /// Raised on the supervisor's task after an agent that died answers again. A restarted agent knows no
    /// other node: it rejoins through its <see cref="SerfAgentOptions.Neighbors"/> (retried), and whoever
    /// owns it may join the nodes it knew before. A handler should not block.
    /// </summary>
    internal event Action? Restarted;

    /// <summary>
    /// Starts the agent and returns once its RPC answers. Throws <see cref="SerfAgentException"/> with the
    /// reason when it does not come up (serf missing, the gossip port taken, a bad option); the daemon then
    /// exits non-zero with that sentence. Afterwards the agent is supervised until <see cref="StopAsync"/>.
    /// </summary>
    internal async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var process = await LaunchAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = Task.Run(() => SuperviseAsync(process));
    }

    /// <summary>A new RPC client of the agent (the caller disposes it).</summary>
    internal Task<SerfRpcClient> ConnectAsync(CancellationToken cancellationToken = default) =>
        SerfRpcClient.ConnectAsync(_options.RpcAddress, timeout: null, _options.RpcSocketFactory, cancellationToken);

    /// <summary>
    /// Leaves the cluster gracefully (the others see "left" at once instead of "failed" seconds later), then
    /// waits for the agent to exit, killing it by pid when it does not within a few seconds.
    /// </summary>
    internal async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is not null && !process.HasExited)
        {
            try
            {
                // Serf waits for the leave to spread for its broadcast timeout (5 s) before it answers; the
                // client's timeout bounds every call, the leave included, so it must be longer than that.
                await using var client = await SerfRpcClient.ConnectAsync(_options.RpcAddress, TimeSpan.FromSeconds(7), _options.RpcSocketFactory).ConfigureAwait(false);
                await client.LeaveAsync().WaitAsync(TimeSpan.FromSeconds(7)).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SerfRpcException or TimeoutException)
            {
                Log.LeaveFailed(_logger, error.Message);
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(exited.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
            }
        }

        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        if (_options.PidFile is not null)
        {
            File.Delete(_options.PidFile);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _process?.Dispose();
            _process = null;
        }

        _stopping.Dispose();
    }

    private async Task SuperviseAsync(Process process)
    {
        TimeSpan backoff = _options.RestartBackoff;
        while (true)
        {
            DateTimeOffset started = _time.GetUtcNow();
            try
            {
                await process.WaitForExitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: StopAsync ends the process.
                return;
            }

            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (_time.GetUtcNow() - started >= HealthyRun)
            {
                backoff = _options.RestartBackoff;
            }

            Log.AgentDied(_logger, process.ExitCode, _output?.LastLine ?? string.Empty, backoff.TotalSeconds);
            while (true)
            {
                try
                {
                    await Task.Delay(backoff, _time, _stopping.Token).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    process = await LaunchAsync(_stopping.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _restarts);
                    Log.AgentRestarted(_logger, process.Id);
                    Restarted?.Invoke();
                    break;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception error)
                {
                    // SerfAgentException says why in one sentence; anything else must not end supervision either.
                    Log.RestartFailed(_logger, error.Message, backoff.TotalSeconds);
                }
            }
        }
    }

    /// <summary>Starts one agent process and waits until its RPC answers a handshake, or it exits.</summary>
    private async Task<Process> LaunchAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(_options.CommandPrefix.Count > 0 ? _options.CommandPrefix[0] : _options.SerfPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (string word in _options.CommandPrefix.Skip(1))
        {
            startInfo.ArgumentList.Add(word);
        }

        if (_options.CommandPrefix.Count > 0)
        {
            startInfo.ArgumentList.Add(_options.SerfPath);
        }

        foreach (string arg in _options.Arguments())
        {
            startInfo.ArgumentList.Add(arg);
        }

        await KillLeftoverAsync().ConfigureAwait(false);
        var output = new SerfAgentOutput(_logger);
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => output.Line(e.Data);
        process.ErrorDataReceived += (_, e) => output.Line(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            process.Dispose();
            // NativeAOT trims the runtime's message texts ("ErrorStartingProcess, serf, /dir, ..."): say it plainly.
            string why = error.NativeErrorCode == 2 /* ENOENT */ ? "not found on PATH" : $"errno {error.NativeErrorCode}";
            throw new SerfAgentException($"cannot start the gossip agent '{startInfo.FileName}' ({why}); install it (Debian: apt-get install serf) or run the daemon without --neighbors and --gossip-auto-discover", error);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_gate)
        {
            _process?.Dispose();
            _process = process;
            _output = output;
        }

        Log.AgentStarted(_logger, process.Id, _options.NodeName, $"{_options.BindAddress}:{_options.GossipPort}", _options.RpcAddress.ToString());
        try
        {
            if (_options.PidFile is not null)
            {
                File.WriteAllText(_options.PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return await WaitUntilAnsweringAsync(process, output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not SerfAgentException)
        {
            // The daemon stops while this agent is still starting, or the pid file cannot be written: the
            // agent must not outlive its supervisor.
            Kill(process);
            throw;
        }
    }

    private async Task<Process> WaitUntilAnsweringAsync(Process process, SerfAgentOutput output, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + _options.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                // Let the output readers catch up with the last lines, which say why.
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw new SerfAgentException(ExitReason(process.ExitCode, output));
            }

            try
            {
                await using var client = await SerfRpcClient.ConnectAsync(_options.RpcAddress, TimeSpan.FromSeconds(1), _options.RpcSocketFactory, cancellationToken).ConfigureAwait(false);
                return process;
            }
            catch (SerfRpcException) when (_time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (SerfRpcException error)
            {
                Kill(process);
                throw new SerfAgentException($"the gossip agent did not answer on its RPC address {_options.RpcAddress} within {_options.StartTimeout.TotalSeconds:0} s ({error.Message})", error);
            }
        }
    }

    /// <summary>One sentence for an agent that exited while starting, from what it printed last.</summary>
    private string ExitReason(int exitCode, SerfAgentOutput output)
    {
        string text = output.Text;
        bool inUse = text.Contains("address already in use", StringComparison.Ordinal);
        if (inUse && text.Contains("RPC listener", StringComparison.Ordinal))
        {
            return $"the gossip agent's RPC address {_options.RpcAddress} is in use (another agent on this node?); stop it or give this daemon another RPC port";
        }

        if (inUse)
        {
            return $"the gossip port {_options.BindAddress}:{_options.GossipPort} is in use; pass --gossip-port with a free port";
        }

        if (text.Contains("cannot assign requested address", StringComparison.Ordinal))
        {
            return $"the gossip agent cannot bind {_options.BindAddress}:{_options.GossipPort}: no interface of this node has that address";
        }

        return $"the gossip agent (serf) exited with code {exitCode} while starting: {output.LastError}";
    }

    /// <summary>
    /// Kills the agent a crashed daemon left running (see <see cref="SerfAgentOptions.PidFile"/>). The pid is
    /// trusted only while /proc/PID/cmdline still reads "serf agent ... -node=THIS-NODE": pids are reused.
    /// </summary>
    private async Task KillLeftoverAsync()
    {
        if (_options.PidFile is null || !File.Exists(_options.PidFile) ||
            !int.TryParse(File.ReadAllText(_options.PidFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
        {
            return;
        }

        string[] words;
        try
        {
            words = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (IOException)
        {
            return;
        }

        if (!words.Contains("agent") || !words.Contains($"-node={_options.NodeName}") || !words.Any(w => w.EndsWith("serf", StringComparison.Ordinal)))
        {
            return;
        }

        try
        {
            using var leftover = Process.GetProcessById(pid);
            leftover.Kill();
            Log.LeftoverKilled(_logger, pid);
            DateTimeOffset deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(5);
            while (Directory.Exists($"/proc/{pid}") && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time).ConfigureAwait(false);
            }
        }
        catch (ArgumentException)
        {
            // It exited meanwhile.
        }
    }

    private void Kill(Process process)
    {
        try
        {
            // Process.Kill sends SIGKILL to this pid only; the agent has no children.
            process.Kill();
            Log.AgentKilled(_logger, process.Id);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "gossip agent started (pid {Pid}): node {Node}, gossip on {Bind}, RPC on {Rpc}")]
        internal static partial void AgentStarted(ILogger logger, int pid, string node, string bind, string rpc);

        [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "the gossip agent exited (code {ExitCode}, last words: {LastLine}); restarting it in {Seconds} s")]
        internal static partial void AgentDied(ILogger logger, int exitCode, string lastLine, double seconds);

        [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "gossip agent restarted (pid {Pid})")]
        internal static partial void AgentRestarted(ILogger logger, int pid);

        [LoggerMessage(EventId = 903, Level = LogLevel.Warning, Message = "could not restart the gossip agent: {Reason}; trying again in {Seconds} s")]
        internal static partial void RestartFailed(ILogger logger, string reason, double seconds);

        [LoggerMessage(EventId = 904, Level = LogLevel.Warning, Message = "the gossip agent did not leave the cluster gracefully ({Reason}); the others will see this node failed instead of left")]
        internal static partial void LeaveFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 906, Level = LogLevel.Warning, Message = "killed the gossip agent an earlier daemon of this node left running (pid {Pid})")]
        internal static partial void LeftoverKilled(ILogger logger, int pid);

        [LoggerMessage(EventId = 905, Level = LogLevel.Warning, Message = "killed the gossip agent (pid {Pid}): it did not exit in time")]
        internal static partial void AgentKilled(ILogger logger, int pid);
    }
}
