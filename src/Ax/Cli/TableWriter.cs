using System.Text;

namespace Ax.Cli;

/// <summary>
/// Renders rows as the seed shows them: upper-case headers, a dashed rule, columns padded to their widest
/// cell and separated by three spaces, as kubectl does.
/// </summary>
internal static class TableWriter
{
    private const string Gap = "   ";

    internal static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        int[] widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in all)
        {
            for (int i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        string header = Line(headers, widths);
        text.AppendLine(header);
        text.AppendLine(new string('-', header.Length));
        foreach (var row in all)
        {
            text.AppendLine(Line(row, widths));
        }

        return text.ToString();
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Count; i++)
        {
            line.Append(i == cells.Count - 1 ? cells[i] : cells[i].PadRight(widths[i]) + Gap);
        }

        return line.ToString().TrimEnd();
    }
}
