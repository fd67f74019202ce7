using System.Globalization;
using Spectre.Console;
using Tokenwise.Admin;
using Tokenwise.Data;

namespace Tokenwise.Cli;

/// <summary>Writes rows the way every command does: a table for people, JSON or CSV for programs.</summary>
internal static class CliOutput
{
    /// <param name="json">The same rows as JSON (the admin API's shape), written for <see cref="OutputFormat.Json"/>.</param>
    /// <param name="rows">Cells as values: numbers are grouped and right-aligned in a table, plain in CSV.</param>
    /// <param name="total">A last bold row of totals, for tables with more than one row.</param>
    /// <param name="csvColumns">The CSV header: the JSON field names.</param>
    public static void Write(OutputFormat format, string json, string[] columns, string[] csvColumns, IEnumerable<object?[]> rows, object?[]? total = null)
    {
        switch (format)
        {
            case OutputFormat.Json:
                Console.WriteLine(json);
                break;
            case OutputFormat.Csv:
                Csv.Write(Console.Out, csvColumns, rows);
                break;
            default:
                var table = new Table().AddColumns(columns);
                var count = 0;
                foreach (var row in rows)
                {
                    if (count++ == 0)
                    {
                        for (var c = 0; c < row.Length; c++)
                        {
                            if (row[c] is long or int or decimal or double)
                            {
                                table.Columns[c].RightAligned();
                            }
                        }
                    }

                    table.AddRow(row.Select(v => Markup.Escape(Cell(v))).ToArray());
                }

                if (total is not null && count > 1)
                {
                    table.AddRow(total.Select(v => $"[bold]{Markup.Escape(Cell(v))}[/]").ToArray());
                }

                if (Console.IsOutputRedirected)
                {
                    // A file or a pipe has no width to respect: Spectre's fallback of 80 columns would wrap the cells.
                    AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 240);
                }

                AnsiConsole.Write(table);
                break;
        }
    }

    /// <summary>Writes a report laid out once for every format that shows it as a table (see <see cref="ReportTable"/>).</summary>
    public static void Write(OutputFormat format, string json, ReportTable table) =>
        Write(format, json, table.Titles, table.Fields, table.Rows, table.Total);

    /// <summary>Writes why a command cannot run to stderr; returns exit code 2 (bad arguments, configuration or input).</summary>
    public static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return 2;
    }

    /// <summary>A table cell: counts grouped by thousands, dollars to the micro-dollar.</summary>
    private static string Cell(object? value) => value switch
    {
        long n => n.ToString("N0", CultureInfo.InvariantCulture),
        int n => n.ToString("N0", CultureInfo.InvariantCulture),
        decimal usd => usd.ToString("0.000000", CultureInfo.InvariantCulture),
        null => "",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
