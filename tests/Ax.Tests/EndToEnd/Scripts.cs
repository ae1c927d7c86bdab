namespace Ax.Tests.EndToEnd;

/// <summary>Small real programs the tests run under ax: python3 one-liners, shipped as files next to the tests.</summary>
internal static class Scripts
{
    internal static string Path(string name) =>
        System.IO.Path.Combine(AppContext.BaseDirectory, "EndToEnd", "scripts", name);
}
