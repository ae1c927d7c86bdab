namespace Ax.Addressing;

internal static class SpanExtensions
{
    internal static bool ContainsOnlyDigits(this ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');
}
