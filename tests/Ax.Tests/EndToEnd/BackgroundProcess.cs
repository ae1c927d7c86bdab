using System.Diagnostics;
using System.Text;

namespace Ax.Tests.EndToEnd;

/// <summary>A process a test started and must end: its output is collected, and disposing kills it and its children.</summary>
internal sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    internal BackgroundProcess(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        startInfo.UseShellExecute = false;
        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    internal int Pid => _process.Id;

    internal bool HasExited => _process.HasExited;

    internal int ExitCode => _process.ExitCode;

    internal string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    internal void CloseInput() => _process.StandardInput.Close();

    internal void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Waits for the exit and then for the output to drain: the timed overload of Process.WaitForExit
    /// returns before the asynchronous readers have seen end of file (a hostile-app test read empty output).
    /// </summary>
    internal bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        // Bounded: a child that inherited the pipes (it should not) must not hang the test run.
        Task.Run(() => _process.WaitForExit()).Wait(TimeSpan.FromSeconds(5));
        return true;
    }

    internal void Signal(int signal) => _ = Process.Start("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit(5000);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }
}
