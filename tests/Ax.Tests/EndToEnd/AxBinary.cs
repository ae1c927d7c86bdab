namespace Ax.Tests.EndToEnd;

/// <summary>The published ax binary the end-to-end tests run, as a user would (make test sets AX_BINARY).</summary>
internal static class AxBinary
{
    internal static string Path { get; } = Find();

    private static string Find()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("AX_BINARY");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = System.IO.Path.Combine(directory.FullName, "out", "ax");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("out/ax was not found; run 'make build' first (make test does)");
    }
}
